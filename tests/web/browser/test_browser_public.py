"""The public dashboard in a real browser (Playwright + Debian's Chromium, offline): an anonymous
visitor opens it, switches the map from progress to reduction, and sees the map change.

Run only these: uv run pytest -m browser tests/web/browser/test_browser_public.py
"""

from __future__ import annotations

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

GUNUNGBEKEL = "35.13.20.2002"


@pytest.fixture
def campaign_under_way(more_families, registry, users, request):
    """Tegalsiwalan: 23 keluarga in scope, 13 verified (7 removed); Leces: 8, none verified;
    Sukapura: 1 (hidden)."""
    from tepat.registry.models import Family
    from tepat.verification import services as s
    from tepat.verification.models import Verification

    more_families(GUNUNGBEKEL, 80)
    more_families("35.13.05.2001", 32)
    campaign = request.getfixturevalue("campaign")
    families = [registry.families["35.13.20.2001"][0], *Family.objects.filter(
        source="p3ke", desil=1, desa_id=GUNUNGBEKEL).order_by("pk")[:12]]
    for i, family in enumerate(families):
        v = Verification.objects.get(campaign=campaign, family=family)
        actor = users.operator_desa if i == 0 else users.operator_desa_sibling
        s.save_verification(v.pk, s.Findings(outcome="MAMPU" if i < 7 else "LAYAK",
                                              reason="ASN"),
                            actor=actor, expected_version=v.version, submit=True)
    return campaign


def _tooltip(page, code: str) -> str:
    return page.locator(f'figure.map-figure path[data-code="{code}"] title').text_content()


def test_an_anonymous_visitor_switches_the_map_metric(page, campaign_under_way):
    page.goto("/publik/")
    assert page.url.endswith("/publik/")  # not sent to the login page
    figure = page.locator("figure.map-figure")
    assert figure.get_attribute("data-metric") == "progress"
    assert _tooltip(page, "35.13.20") == "Tegalsiwalan: 57 % keluarga"  # 13 / 23
    before = page.locator('figure.map-figure path[data-code="35.13.20"]').get_attribute("fill")
    assert "disembunyikan" in _tooltip(page, "35.13.01")

    page.get_by_role("link", name="Penurunan data (% keluarga)").click()
    page.wait_for_url("**/publik/?peta=reduction*")
    assert figure.get_attribute("data-metric") == "reduction"
    assert page.get_by_role("heading", name="Peta: Penurunan data (% keluarga)").is_visible()
    assert _tooltip(page, "35.13.20") == "Tegalsiwalan: 30 % keluarga"  # 7 / 23
    after = page.locator('figure.map-figure path[data-code="35.13.20"]').get_attribute("fill")
    assert before != after  # 40–60 % and 20–40 % have different colours
    assert page.locator("figure.map-figure svg").is_visible()
