"""Shared synthetic data sets for the tests of tepat.synth (generated once per session)."""

from __future__ import annotations

import pytest

from tepat.synth import SynthData, generate


@pytest.fixture(scope="session")
def p3ke() -> SynthData:
    return generate(3_000, seed=20240301)


@pytest.fixture(scope="session")
def dtsen() -> SynthData:
    return generate(3_000, seed=7, source="dtsen")


@pytest.fixture(scope="session")
def p3ke_20k() -> SynthData:
    return generate(20_000, seed=5)


@pytest.fixture(params=["p3ke", "dtsen"])
def data(request, p3ke, dtsen) -> SynthData:
    return p3ke if request.param == "p3ke" else dtsen
