"""No page of the list, the detail or the dashboard shows a full NIK or KK, for any role
(UU 24/2013, UU 27/2022): only a logged reveal does, and only in its own response."""

from __future__ import annotations

import pytest
from django.urls import reverse
from web_helpers import FULL_NUMBER, leaked_numbers

PERSONAS = ("admin", "operator_kecamatan", "operator_desa", "operator_desa_sibling",
            "operator_other_kecamatan", "opd", "pejabat", "pimpinan", "no_area")


def _pages(client, registry) -> dict[str, str]:
    """Every page the persona can reach: dashboard (both sources), list (plain, filtered,
    searched by NIK), and the detail of every family."""
    member = registry.persons[1]
    pages = {
        "dashboard": client.get(reverse("dashboard")),
        "dashboard p3ke": client.get(reverse("dashboard"), {"sumber": "p3ke"}),
        "list": client.get(reverse("families")),
        "list desil 1": client.get(reverse("families"), {"desil": 1}),
        "list search": client.post(reverse("families"), {"q": member.nik}, follow=True),
    }
    for family in registry.all_families:
        pages[f"family {family.pk}"] = client.get(reverse("family_detail", args=[family.pk]))
    return {name: r.content.decode() for name, r in pages.items()}


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_shows_a_full_nik_or_kk(client_for, registry, persona):
    for name, html in _pages(client_for(persona), registry).items():
        assert not leaked_numbers(html, registry.numbers), f"{persona}: {name}"
        assert not FULL_NUMBER.findall(html), f"{persona}: {name}"


def test_the_pages_do_show_the_masked_numbers(client_for, registry):
    pages = _pages(client_for("admin"), registry)
    family = registry.all_families[0]
    assert family.no_kk_masked in pages["list"]
    assert family.nik_masked in pages[f"family {family.pk}"]
