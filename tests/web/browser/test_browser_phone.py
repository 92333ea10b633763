"""The phone budget's page shapes (issue 19 §5) in a real browser at 390 px: tables become
stacked cards with nothing cut off at the right, the usulan form grows one member block at a
time (with and without JavaScript), the "data ganda dari" picker filters.

Run only these: uv run pytest -m browser tests/web/browser/test_browser_phone.py
"""

from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

MALESANWETAN = "35.13.20.2001"
PASSWORD = "uji-tepat-2026!"  # TEST_PASSWORD of tests/conftest.py
# Nothing wider than the screen: neither the document nor any stacked table or its cells.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [document.scrollingElement.scrollWidth > width ? "document" : null];
  document.querySelectorAll("table.cards-sm, table.cards-sm tr, table.cards-sm td")
    .forEach(el => {
      if (el.getBoundingClientRect().right > width + 0.5) wide.push(el.outerHTML.slice(0, 80));
    });
  document.querySelectorAll(".table-wrap").forEach(wrap => {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wide.push("scrolling " + wrap.innerHTML.slice(0, 60));
    }
  });
  return wide.filter(Boolean);
}"""


def _no_overflow(page) -> None:
    assert page.locator("table.cards-sm").count() >= 1
    assert page.evaluate(OVERFLOW) == []
    row = page.locator("table.cards-sm tbody tr").first
    assert row.evaluate("el => getComputedStyle(el).display") == "block"  # a card, not a row


def test_the_member_table_of_the_verification_page_is_cards_below_the_outcome(page, campaign,
                                                                              registry):
    page.log_in("operator.desa")
    page.goto("/verval/")
    page.click("table.worklist >> text=Misnati")
    page.wait_for_url(re.compile(r"/verval/\d+/$"))
    _no_overflow(page)
    outcome = page.locator("input[name=outcome]").first.bounding_box()
    members = page.locator("table.members").bounding_box()
    assert outcome["y"] < members["y"]  # the decision first, then the members it is about
    cell = page.locator("table.members td[data-label]").first
    assert cell.evaluate("el => getComputedStyle(el, '::before').content") == '"NIK"'


def test_the_worklist_is_cards_on_a_phone(page, campaign, registry):
    page.log_in("operator.desa")
    page.goto("/verval/")
    _no_overflow(page)


def test_the_gesek_list_and_family_are_cards_on_a_phone(page, gesek, users):
    from tepat.gesek.services import reassign

    entry = gesek.target_list.entries.get(kepala_keluarga="Sutrisno")
    reassign(entry, gesek.member, actor=users.admin, why="dekat kantor")
    page.log_in("pejabat")
    page.goto("/gesek/")
    _no_overflow(page)
    page.click("table.my-families >> text=Sutrisno")
    page.wait_for_url(re.compile(rf"/gesek/keluarga/{entry.pk}/$"))
    _no_overflow(page)


def test_the_review_tables_are_cards_on_a_phone(page, campaign, registry, users):
    from tepat.verification import services
    from tepat.verification.models import Verification

    for family in registry.families[MALESANWETAN][:2]:
        v = Verification.objects.get(campaign=campaign, family=family)
        services.save_verification(v.pk, services.Findings(outcome="LAYAK"),
                                   actor=users.operator_desa, expected_version=v.version,
                                   submit=True)
    page.log_in("operator.kecamatan")
    page.goto("/periksa/")
    _no_overflow(page)
    page.goto(f"/periksa/{MALESANWETAN}/")
    sync_api.expect(page.locator("table.review tbody tr")).to_have_count(2)
    _no_overflow(page)


def test_the_usulan_form_adds_a_member_block_with_javascript(page, campaign, registry):
    page.log_in("operator.desa")
    page.goto("/verval/usulan/baru/")
    rows = page.locator("#proposal-members [data-row]")
    assert rows.count() == 1
    page.click("text=Tambah anggota")
    assert rows.count() == 2
    assert page.url.endswith("/verval/usulan/baru/")  # no round trip
    sync_api.expect(page.locator("#id_a1-nama")).to_be_focused()


def test_the_usulan_form_adds_a_member_block_without_javascript(browser, live_server,
                                                                 transactional_db, campaign,
                                                                 registry):
    context = browser.new_context(java_script_enabled=False, locale="id-ID",
                                  viewport={"width": 390, "height": 844},
                                  base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/masuk/")
        page.fill("#id_username", "operator.desa")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r"/$"))
        page.goto("/verval/usulan/baru/")
        rows = page.locator("#proposal-members [data-row]")
        assert rows.count() == 1
        page.fill("#id_kepala_keluarga", "Wagiman")
        page.fill("#id_a0-nama", "Wagiman")
        page.click("text=Tambah anggota")
        page.wait_for_load_state()
        assert rows.count() == 2
        assert page.locator("#id_kepala_keluarga").input_value() == "Wagiman"
        assert page.locator("#id_a0-nama").input_value() == "Wagiman"
        page.click("text=Tambah anggota")
        page.wait_for_load_state()
        assert rows.count() == 3
    finally:
        context.close()


def test_the_duplicate_picker_filters_as_one_types(page, campaign, registry):
    page.log_in("operator.desa")
    page.goto("/verval/")
    page.click("table.worklist >> text=Sutrisno")
    page.wait_for_url(re.compile(r"/verval/\d+/$"))
    page.check("input[name=outcome][value=GANDA]")
    search = page.locator("input[data-filter-select]")
    sync_api.expect(search).to_be_visible()
    options = page.locator("#id_duplicate_of option")
    everyone = options.count()
    assert everyone >= 2
    search.fill("misna")
    sync_api.expect(options).to_have_count(2)  # the empty choice and Misnati
    assert "Misnati" in options.nth(1).inner_text()
    sync_api.expect(page.locator("[data-filter-count]")).to_contain_text("1 keluarga cocok")
    page.select_option("#id_duplicate_of", index=1)
    search.fill("tidak ada nama ini")
    sync_api.expect(options).to_have_count(2)  # the chosen one stays
    search.fill("")
    sync_api.expect(options).to_have_count(everyone)
