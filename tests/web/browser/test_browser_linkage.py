"""The operator kecamatan's linkage review in a real browser (Playwright + Debian's Chromium),
on a phone-sized screen: open the queue, open the pair, read it, accept it, undo.

Run only these: uv run pytest -m browser tests/web/browser/test_browser_linkage.py
"""

from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser


def _pair(registry):
    """Sutrisno (P3KE) and Mukarromah (DTSEN), both heads in Malesanwetan, each in a cluster of
    their own, waiting in Tegalsiwalan's queue."""
    from tepat.linkage.models import ClusterMember, LinkPair

    heads = sorted((p for p in registry.persons if p.hubungan == "1"
                    and p.nama in {"Sutrisno", "Mukarromah"}), key=lambda p: p.pk)
    for i, person in enumerate(heads, start=1):
        ClusterMember.objects.create(person=person, source=person.source,
                                     record_id=person.source_person_id, cluster=i,
                                     record_hash=person.row_hash,
                                     kecamatan_id=person.kecamatan_id, desa_id=person.desa_id)
    return LinkPair.objects.create(
        left=heads[0], right=heads[1], area_id="35.13.20", match_probability=0.9,
        comparisons=[{"key": "nama", "level": "jaro_winkler_high", "weight": 6.1,
                      "similarity": 0.93},
                     {"key": "nik", "level": "All other comparisons", "weight": -4.0}])


def test_an_operator_kecamatan_accepts_a_pair_on_a_phone_and_undoes_it(page, users, registry):
    from tepat.linkage.models import ClusterMember

    pair = _pair(registry)
    page.log_in("operator.kecamatan")
    page.click("nav.main >> text=Kaitan data")
    page.wait_for_url(re.compile(r"/kaitan/antrean/$"))
    page.click("table.link-queue >> text=Menunggu keputusan")
    page.wait_for_url(re.compile(rf"/kaitan/pasangan/{pair.pk}/$"))
    body = page.content()
    assert not {n for n in registry.numbers if n in body}
    sync_api.expect(page.locator(".pair-sides .record")).to_have_count(2)
    sync_api.expect(page.locator(".weights svg")).to_have_count(2)
    # the buttons fit the phone's width (nothing to scroll sideways)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#note", "nama sama, sumber berbeda")
    page.click("button[name=action][value=accepted]")
    page.wait_for_url(re.compile(rf"/kaitan/pasangan/{pair.pk}/$"))
    assert "Keputusan disimpan" in page.locator("ul.messages").inner_text()
    members = ClusterMember.objects.unscoped("test")
    assert members.get(person=pair.left).cluster == members.get(person=pair.right).cluster

    page.click("button[name=action][value=reopen]")
    page.wait_for_url(re.compile(rf"/kaitan/pasangan/{pair.pk}/$"))
    assert members.get(person=pair.left).cluster != members.get(person=pair.right).cluster
