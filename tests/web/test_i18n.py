"""Bahasa Indonesia first; English through Django's set_language view."""

from __future__ import annotations

import pytest
from django.urls import reverse


def _switch(client, language: str, next_url: str = "/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url},
                       follow=True)


def test_pages_are_in_indonesian_by_default(client_for, registry):
    html = client_for("admin").get(reverse("dashboard")).content.decode()
    assert '<html lang="id">' in html
    assert "Dasbor" in html and "Keluar" in html


def test_switching_to_english_changes_the_page_text(client_for, registry):
    client = client_for("admin")
    html = _switch(client, "en").content.decode()
    assert '<html lang="en">' in html
    for english in ("Dashboard", "Families", "Log out", "By decile", "Kabupaten admin"):
        assert english in html, english
    assert "Dasbor" not in html
    families = client.get(reverse("families")).content.decode()
    assert "Family list" in families and "Daftar keluarga" not in families


def test_switching_back_to_indonesian(client_for, registry):
    client = client_for("admin")
    _switch(client, "en")
    html = _switch(client, "id", reverse("families")).content.decode()
    assert "Daftar keluarga" in html


def test_the_login_page_switches_language_too(db):
    from django.test import Client

    html = _switch(Client(), "en", reverse("login")).content.decode()
    assert "Log in to Tepat" in html and "Username" in html


def test_flag_texts_follow_the_language(client_for, registry):
    client = client_for("operator_desa")
    _switch(client, "en")
    html = client.get(reverse("families")).content.decode()
    assert 'title="The same KK number is on more than one family"' in html


def test_with_the_chosen_language_middleware_a_browser_in_english_still_gets_indonesian(
    client_for, registry, settings
):
    """Many phones in Indonesia are set to English; the users asked for Indonesian first.
    (Django's LocaleMiddleware follows Accept-Language; settings swap in ours.)"""
    settings.MIDDLEWARE = [
        "tepat.web.middleware.ChosenLanguageMiddleware"
        if m == "django.middleware.locale.LocaleMiddleware" else m
        for m in settings.MIDDLEWARE
    ]
    client = client_for("admin")
    english_phone = {"Accept-Language": "en-US,en;q=0.9"}
    assert "Dasbor" in client.get(reverse("dashboard"), headers=english_phone).content.decode()
    _switch(client, "en")
    assert "Dashboard" in client.get(reverse("dashboard"), headers=english_phone).content.decode()


def test_the_campaign_pages_follow_the_language(client_for, campaign):
    desa = client_for("operator_desa")
    _switch(desa, "en")
    worklist = desa.get(reverse("worklist")).content.decode()
    for english in ("Not yet verified", "Village meeting", "New proposals", "final results"):
        assert english in worklist, english
    for indonesian in ("Belum diverifikasi", "Usulan baru", "Kirim hasil akhir desa"):
        assert indonesian not in worklist, indonesian

    admin = client_for("admin")
    _switch(admin, "en")
    progress = admin.get(reverse("progress")).content.decode()
    for english in ("Verification progress", "List shrink", "Initial targets"):
        assert english in progress, english
    for indonesian in ("Progres verval", "Penurunan data", "Sasaran awal"):
        assert indonesian not in progress, indonesian
    campaigns = admin.get(reverse("campaign_list")).content.decode()
    for english in ("Verification campaigns", "New campaign", "Open"):
        assert english in campaigns, english
    for indonesian in ("Kampanye verifikasi", "Kampanye baru", "Dibuka"):
        assert indonesian not in campaigns, indonesian


def test_the_gesek_ekstrem_and_convergence_pages_follow_the_language(client_for, gesek):
    admin = client_for("admin")
    _switch(admin, "en")
    home = admin.get(reverse("gesek_home")).content.decode()
    for english in ("Gesek Ekstrem", "Coverage by kecamatan", "Import officials",
                    "Family assignment", "No team yet", "Programmes", "Convergence"):
        assert english in home, english
    for indonesian in ("Cakupan per kecamatan", "Impor pejabat", "Penugasan keluarga",
                       "Belum ada tim", "Belum terbagi habis", "Konvergensi"):
        assert indonesian not in home, indonesian

    programmes = admin.get(reverse("programmes")).content.decode()
    for english in ("Programmes and interventions", "New programme", "Funding source",
                    "Unit cost", "All agencies"):
        assert english in programmes, english
    for indonesian in ("Program dan intervensi", "Program baru", "Sumber dana", "Biaya satuan",
                       "Semua perangkat daerah"):
        assert indonesian not in programmes, indonesian

    convergence = admin.get(reverse("convergence")).content.decode()
    for english in ("Intervention convergence", "Team coordinator", "Double aid",
                    "Targeting accuracy by programme", "Families needing attention"):
        assert english in convergence, english
    for indonesian in ("Konvergensi intervensi", "Koordinator tim", "Bantuan ganda",
                       "Ketepatan sasaran per program", "Keluarga yang perlu perhatian"):
        assert indonesian not in convergence, indonesian



@pytest.fixture
def indicators_loaded(db):
    from tepat.indicators.services import load_packaged

    return load_packaged()


def test_the_indicator_page_follows_the_language(client_for, indicators_loaded):
    admin = client_for("admin")
    _switch(admin, "en")
    page = admin.get(reverse("indicators")).content.decode()
    for english in ("Poverty indicators and targets", "Add a value", "Add a target",
                    "Import a file", "Gap to target", "Legal basis", "Years left",
                    "percentage points", "% relative", ">Reports</a>", ">Indicators</a>",
                    ">Users</a>", ">Account</a>"):
        assert english in page, english
    for indonesian in ("Indikator kemiskinan dan target", "Tambah nilai", "Tambah target",
                       "Impor berkas", "Jarak ke target", "Dasar hukum", "Sisa tahun",
                       "poin persen", "% relatif", ">Laporan</a>", ">Indikator</a>",
                       ">Pengguna</a>", ">Akun</a>"):
        assert indonesian not in page, indonesian


def test_the_report_page_follows_the_language(client_for, campaign, indicators_loaded):
    boss = client_for("pimpinan")
    _switch(boss, "en")
    page = boss.get(reverse("reports")).content.decode()
    for english in ("TKPK rakor report", "Download rakor PDF", "Download rakor Excel",
                    "Key indicators", "progress (families)", "desa behind schedule",
                    "Quarterly report to Kemendagri", "Create quarterly report"):
        assert english in page, english
    for indonesian in ("Laporan rakor TKPK", "Unduh PDF rakor", "Unduh Excel rakor",
                       "Indikator utama", "progres (keluarga)", "tertinggal jadwal",
                       "Laporan triwulan ke Kemendagri", "Buat laporan triwulan"):
        assert indonesian not in page, indonesian


def test_the_public_page_follows_the_language(campaign, indicators_loaded):
    from django.test import Client

    visitor = Client()
    page = _switch(visitor, "en", reverse("public")).content.decode()
    assert '<html lang="en">' in page
    for english in ("Public dashboard", "Tackling extreme poverty", "Log in (staff)",
                    "Verification progress and list shrink by kecamatan", "provisional figures",
                    "Download CSV", "About these figures", "percentage points"):
        assert english in page, english
    for indonesian in ("Dasbor publik", "Penanggulangan kemiskinan ekstrem", "Masuk (petugas)",
                       "Progres verifikasi dan penurunan data", "angka sementara", "Unduh CSV",
                       "Tentang angka ini", "poin persen"):
        assert indonesian not in page, indonesian
    login = visitor.get(reverse("login")).content.decode()
    assert "View the public dashboard (without logging in)" in login
    assert "Lihat dasbor publik" not in login
