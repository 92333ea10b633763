"""End-to-end in a real browser: Playwright (sync API) driving Debian's Chromium against the live
server. Offline by construction: any request to another host, or any failed request, fails.

Run only these: uv run pytest -m browser
"""

from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

MALESANWETAN = "35.13.20.2001"


def test_the_desa_operator_sees_only_their_desa_with_nik_masked(page, registry, users):
    page.log_in("operator.desa")
    page.click("nav.main >> text=Keluarga")
    rows = page.locator("table.families tbody th a")
    expected = {f.kepala_keluarga for f in registry.families[MALESANWETAN]}
    assert set(rows.all_inner_texts()) == expected
    family = next(f for f in registry.families[MALESANWETAN] if f.kepala_keluarga == "Sutrisno")
    page.click("text=Sutrisno")
    page.wait_for_url(re.compile(rf"/keluarga/{family.pk}/$"))
    html = page.content()
    assert family.nik_masked in html and family.no_kk_masked in html
    assert family.nik not in html and family.no_kk not in html


def test_the_language_switch_works(page, registry, users):
    page.log_in("operator.desa")
    assert page.locator("nav.main").inner_text().startswith("Beranda")  # the role page first
    assert "Dasbor" in page.locator("nav.main").inner_text()
    page.click("form.lang button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav.main").inner_text().startswith("Home")
    assert "Dashboard" in page.locator("nav.main").inner_text()
    page.click("form.lang button[value=id]")
    page.wait_for_load_state()
    assert "Dasbor" in page.locator("nav.main").inner_text()


def test_the_dashboard_draws_the_map_and_the_plotly_chart_offline(page, registry, users):
    page.log_in("admin")
    page.goto("/?sumber=p3ke")
    assert page.locator("svg.map path[data-code]").count() == 24
    page.wait_for_selector(".plotly-graph-div .main-svg", timeout=15_000)
    assert page.locator(".plotly-graph-div g.trace.bars").count() >= 1
    assert page.evaluate("typeof window.Plotly") == "object"
    page.click('svg.map a[href*="kecamatan=35.13.20"]')
    page.wait_for_url(re.compile(r"/keluarga/\?kecamatan=35\.13\.20"))
    assert page.locator("table.families tbody tr").count() == 5


def test_the_search_by_nik_never_shows_the_nik_in_the_address_bar(page, registry, users):
    member = next(p for p in registry.persons if p.hubungan == "3")
    page.log_in("admin")
    page.goto("/keluarga/")
    urls: list[str] = []
    page.on("framenavigated", lambda frame: urls.append(frame.url))
    page.fill("#id_q", member.nik)
    page.click("form.search button")
    page.wait_for_url(re.compile(r"cari="))
    assert page.locator("table.families tbody th a").all_inner_texts() == [
        member.family.kepala_keluarga]
    assert urls and all(member.nik not in url for url in urls)


def test_the_import_page_polls_its_progress_and_reloads_when_done(page, users, settings, tmp_path):
    import json

    from tepat.registry.models import BatchStatus, SourceBatch

    settings.IMPORT_DIR = tmp_path
    batch = SourceBatch.objects.create(source="p3ke", period="2024-03", imported_by=users.admin,
                                       status=BatchStatus.RUNNING, family_file_name="k.xlsx")
    progress = tmp_path / str(batch.pk) / "progress.json"
    progress.parent.mkdir()
    progress.write_text(json.dumps({"progress": 10, "label": "Membaca berkas"}))
    page.log_in("admin")
    page.goto(f"/impor/{batch.pk}/")
    assert page.locator("#progress progress").get_attribute("value") == "10"
    progress.write_text(json.dumps({"progress": 70, "label": "Menyimpan keluarga"}))
    # Locator assertions retry without eval() (the CSP rightly forbids it in the page).
    sync_api.expect(page.locator("#progress progress")).to_have_js_property("value", 70)
    sync_api.expect(page.locator("#progress [data-label]")).to_have_text("Menyimpan keluarga")
    SourceBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE, families_added=5)
    page.wait_for_selector(".status.status-done", timeout=5_000)  # reloaded on its own
    assert page.locator("#progress").count() == 0


def _stat(page, index: int = 0) -> int:
    text = page.locator(".totals .stat-value").nth(index).inner_text()
    return int(re.sub(r"\D", "", text))


def test_the_admin_imports_a_file_and_sees_the_dashboard_update(
    page, registry, users, settings, tmp_path
):
    """Admin uploads a synthetic P3KE pair, the real database worker runs the job, the result
    page reloads itself when done, and the dashboard counts the new families and persons."""
    from django.core.management import call_command

    from tepat import synth
    from tepat.registry.models import BatchStatus, SourceBatch

    settings.IMPORT_DIR = tmp_path / "imports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    data = synth.generate(200, 11, source="p3ke")
    family_file, person_file = synth.write(data, tmp_path, "xlsx")[:2]

    page.log_in("admin")
    page.goto("/?sumber=p3ke")
    families_before, persons_before = _stat(page, 0), _stat(page, 1)

    page.goto("/impor/baru/")
    page.select_option("#id_source", "p3ke")
    page.fill("#id_period", "2024-03")
    page.set_input_files("#id_family_file", str(family_file))
    page.set_input_files("#id_person_file", str(person_file))
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/impor/\d+/$"))
    assert page.locator("#progress").count() == 1  # queued: the page polls

    call_command("db_worker", batch=True, interval=0.1, verbosity=0)  # the real worker
    batch = SourceBatch.objects.latest("pk")
    assert batch.status == BatchStatus.AWAITING, batch.message  # the change set, not written
    page.wait_for_selector(".status.status-awaiting", timeout=10_000)  # reloaded on its own
    assert page.locator("#changeset").count() == 1
    page.click("#changeset button[type=submit]:not(.secondary)")  # "Konfirmasi dan simpan"
    page.wait_for_url(re.compile(r"/impor/\d+/$"))
    call_command("db_worker", batch=True, interval=0.1, verbosity=0)  # writes it
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE, batch.message
    page.wait_for_selector(".status.status-done", timeout=10_000)  # reloaded on its own
    assert f"{batch.families_added:,}".replace(",", ".") in page.content()

    page.goto("/?sumber=p3ke")
    assert _stat(page, 0) == families_before + data.summary["families"]
    assert _stat(page, 1) == persons_before + data.summary["persons"]
