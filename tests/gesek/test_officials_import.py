"""Officials from an Excel or CSV list: every row checked before anything is written, the NIP as
the key (a second import changes nothing), teams set from the same file, one audit event."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

pytestmark = pytest.mark.django_db

HEADER = ["Nama", "NIP", "Jabatan", "Eselon", "Instansi", "Lokasi kantor", "Kecamatan tim",
          "Peran tim"]
ROWS = [
    ["Drs. Hariyanto", "19700101 199003 1 001", "Kepala Dinas Sosial", "II.a", "Dinsos",
     "35.13.20.2001", "Tegalsiwalan", "koordinator"],
    ["Lilik Suryani", "198002022005012002", "Kepala Bidang Perumahan", "III.b",
     "Dinas Perumahan dan Kawasan Permukiman", "Gunungbekel", "35.13.20", "anggota"],
    ["Agus Salim", "199003032015031003", "Kepala Seksi", "IV", "dinkes", "Malesanwetan",
     "Tegalsiwalan", ""],
    ["Ir. Bambang", "197504041999031004", "Camat Sukapura", "III", "Kec. Sukapura",
     "Ngadisari, Sukapura", "", ""],
]


def write_xlsx(path: Path, rows: list[list[str]], header: list[str] = HEADER,
               title: bool = True) -> Path:
    """An officials list as agencies keep it: a title block above the table, all cells text."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("Pejabat")
    top = 0
    if title:
        sheet.write_string(0, 0, "DAFTAR PEJABAT GESEK EKSTREM KABUPATEN PROBOLINGGO 2024")
        top = 2
    for c, text in enumerate(header):
        sheet.write_string(top, c, text)
    for r, row in enumerate(rows, start=top + 1):
        for c, text in enumerate(row):
            if text:
                sheet.write_string(r, c, text)
    workbook.close()
    return path


@pytest.fixture
def agencies(regions):
    from tepat.gesek.importing import ensure_agencies, regency_agencies

    ensure_agencies(regency_agencies())


def _import(path: Path, users, **kwargs):
    from tepat.gesek.importing import import_officials

    return import_officials(path, actor=users.admin, file_name=path.name, **kwargs)


def test_a_good_file_adds_every_official_and_sets_the_teams_it_names(agencies, users, tmp_path):
    from tepat.audit.models import AuditEvent
    from tepat.gesek.models import Official, TeamMember

    report = _import(write_xlsx(tmp_path / "pejabat.xlsx", ROWS), users)

    assert report.problems == []
    assert (len(report.added), len(report.changed), report.unchanged) == (4, 0, 0)
    hariyanto = Official.objects.get(nip="197001011990031001")
    assert (hariyanto.eselon, hariyanto.agency.code, hariyanto.base_id) == (
        "II", "dinsos", "35.13.20.2001")
    assert Official.objects.get(nip="198002022005012002").base_id == "35.13.20.2002"
    assert Official.objects.get(nip="197504041999031004").agency.code == "kec-351301"
    team = dict(TeamMember.objects.filter(kecamatan_id="35.13.20")
                .values_list("official__name", "role"))
    assert team == {"Drs. Hariyanto": "coordinator", "Lilik Suryani": "member",
                    "Agus Salim": "member"}
    assert not TeamMember.objects.filter(kecamatan_id="35.13.01").exists()
    assert AuditEvent.objects.filter(action="gesek.officials.imported").count() == 1


def test_one_bad_nip_rejects_the_whole_file_naming_row_column_and_what_is_expected(
        agencies, users, tmp_path):
    from tepat.gesek.models import Official

    rows = [*ROWS[:2], [*ROWS[2][:1], "19900303201503100", *ROWS[2][2:]], ROWS[3]]
    report = _import(write_xlsx(tmp_path / "pejabat.xlsx", rows), users)

    assert not report.ok and Official.objects.count() == 0
    [problem] = report.problems
    assert (problem.row, problem.column) == (6, "NIP")  # title, blank, header, 3rd data row
    assert "Berkas pejabat.xlsx baris 6 kolom NIP" in problem.message_id
    assert "18 angka" in problem.message_id and "18 digits" in problem.message_en


def test_a_nip_excel_turned_into_a_number_is_explained(agencies, users, tmp_path):
    rows = [[*ROWS[0][:1], "1.97001011990031E+17", *ROWS[0][2:]]]
    report = _import(write_xlsx(tmp_path / "pejabat.xlsx", rows), users)
    assert "Format kolom NIP sebagai Teks" in report.problems[0].message_id


def test_an_unknown_agency_is_refused_with_the_known_ones_unless_creating_is_asked(
        agencies, users, tmp_path):
    from tepat.gesek.models import Agency, Official

    rows = [[*ROWS[3][:4], "Dinas Pariwisata", *ROWS[3][5:]]]
    path = write_xlsx(tmp_path / "pejabat.xlsx", rows)
    report = _import(path, users)
    assert [p.column for p in report.problems] == ["Instansi"]
    assert "Dinsos" in report.problems[0].message_id and Official.objects.count() == 0

    report = _import(path, users, create_agencies=True)
    assert report.ok and report.agencies_created == ["Dinas Pariwisata"]
    assert Official.objects.get().agency == Agency.objects.get(name="Dinas Pariwisata")


def test_every_bad_cell_is_reported_at_once(agencies, users, tmp_path):
    rows = [["", "197001011990031001", "Kepala", "V", "Dinsos", "Pesisir", "Atlantis", "ketua"]]
    report = _import(write_xlsx(tmp_path / "pejabat.xlsx", rows), users)
    by_column = {p.column: p.message_id for p in report.problems}
    assert set(by_column) == {"Nama", "Eselon", "Lokasi kantor", "Kecamatan tim"}
    assert "II, III atau IV" in by_column["Eselon"]
    assert "lebih dari satu kecamatan" in by_column["Lokasi kantor"]  # Pesisir: 2 kecamatan


def test_importing_again_changes_nothing_and_a_corrected_file_updates(agencies, users,
                                                                     tmp_path):
    from tepat.audit.models import AuditEvent
    from tepat.gesek.models import Official, TeamMember

    path = write_xlsx(tmp_path / "pejabat.xlsx", ROWS)
    _import(path, users)
    again = _import(path, users)
    assert (again.added, again.changed, again.unchanged, again.teams) == ([], {}, 4, {})

    rows = [ROWS[0], [*ROWS[1][:3], "II", *ROWS[1][4:7], "koordinator"],
            [*ROWS[2][:7], "koordinator"], ROWS[3]]
    rows[0] = [*ROWS[0][:7], "anggota"]
    rows[2] = [*ROWS[2][:7], "anggota"]
    report = _import(write_xlsx(tmp_path / "pejabat-2.xlsx", rows), users)
    assert report.ok and report.changed == {"198002022005012002": ["eselon"]}
    assert Official.objects.count() == 4
    assert TeamMember.objects.get(kecamatan_id="35.13.20", role="coordinator").official.name == (
        "Lilik Suryani")
    assert AuditEvent.objects.filter(action="gesek.officials.imported").count() == 3


def test_a_kecamatan_the_file_names_needs_exactly_one_coordinator(agencies, users, tmp_path):
    rows = [[*row[:7], "anggota" if row[6] else ""] for row in ROWS]
    report = _import(write_xlsx(tmp_path / "pejabat.xlsx", rows), users)
    [problem] = report.problems
    assert "Tegalsiwalan" in problem.message_id and "tanpa koordinator" in problem.message_id


def test_a_csv_with_semicolons_and_a_missing_column(agencies, users, tmp_path):
    from tepat.gesek.models import Official

    good = tmp_path / "pejabat.csv"
    good.write_text(";".join(HEADER) + "\n" + "\n".join(";".join(r) for r in ROWS) + "\n",
                    encoding="utf-8")
    assert _import(good, users).ok and Official.objects.count() == 4

    bad = tmp_path / "tanpa-nip.csv"
    header = [h for h in HEADER if h != "NIP"]
    bad.write_text(",".join(header) + "\nA,Kepala,II,Dinsos,35.13.20.2001,,\n", encoding="utf-8")
    [problem] = _import(bad, users).problems
    assert problem.column == "NIP" and "kolom wajib tidak ada" in problem.message_id


def test_a_file_that_is_not_a_spreadsheet_is_refused_by_name(agencies, users, tmp_path):
    path = tmp_path / "pejabat.xlsx"
    path.write_bytes(b"%PDF-1.4 not a sheet")
    [problem] = _import(path, users).problems
    assert "pejabat.xlsx" in problem.message_id and "PDF" in problem.message_id


def test_only_the_admin_kabupaten_imports(agencies, users, tmp_path):
    from tepat.gesek.importing import import_officials
    from tepat.verification.errors import RuleError

    with pytest.raises(RuleError):
        import_officials(write_xlsx(tmp_path / "p.xlsx", ROWS), actor=users.pimpinan)


def test_the_agencies_of_the_regency_load_once(regions):
    from tepat.gesek.importing import ensure_agencies, regency_agencies
    from tepat.gesek.models import Agency

    first = ensure_agencies(regency_agencies())
    assert first.created == len(regency_agencies()) and Agency.objects.filter(
        code__startswith="kec-").count() == 24
    assert {"Dinas Sosial", "Dinas Kesehatan", "Inspektorat"} <= set(
        Agency.objects.values_list("name", flat=True))
    assert ensure_agencies(regency_agencies()).unchanged == len(regency_agencies())
