"""Onboarding services (issue 19 §2): one user, a list of users (all-or-nothing, idempotent),
activation codes (hashed, one-time, expiring, revoked by a new one), reactivation, the command."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tepat.accounts import onboarding, services
from tepat.accounts.models import ActivationCode, Role, User
from tepat.audit.models import AuditEvent
from tepat.core.spreadsheet import BuiltFormula, workbook
from tepat.lib.errors import RuleError

pytestmark = pytest.mark.django_db

HEADERS = ["Nama pengguna", "Nama", "Peran", "Kode wilayah", "Ponsel", "Surel", "Instansi"]
GOOD = [
    ["desa.ngadisari", "Siti Rahayu", "operator desa", "35.13.01.2001", "0812-3456-7890", "", ""],
    ["kec.sukapura", "Agus Salim", "operator_kecamatan", "35.13.01", "", "agus@contoh.go.id", ""],
    ["dinsos.dua", "Dewi Lestari", "opd", "35.13", "081234567891", "", "Dinas Sosial"],
]


def _csv(tmp_path: Path, rows: list[list[str]], name: str = "pengguna.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(",".join(r) for r in [HEADERS, *rows]) + "\n", encoding="utf-8")
    return path


def _spec(username: str = "desa.baru", role: Role = Role.OPERATOR_DESA,
          area: str = "35.13.20.2002") -> onboarding.UserSpec:
    values = {"username": username, "name": "Warsini", "role": role.value, "area": area,
              "phone": "0812 1111 2222"}
    spec, problems = onboarding.check_user(values, None)
    assert not problems, problems
    return spec


# --- the checks of one user ----------------------------------------------------------------------


@pytest.mark.parametrize(("role", "area", "ok"), [
    ("operator_desa", "35.13.20.2001", True),
    ("operator_desa", "35.13.20", False),  # a kecamatan code for a desa role
    ("operator_kecamatan", "35.13.20", True),
    ("operator_kecamatan", "35.13.20.2001", False),
    ("pejabat", "35.13.20", True),
    ("opd", "35.13", True),
    ("pimpinan", "35.13.20", False),
    ("operator_desa", "3513202001", True),  # digits only, as Excel may leave them
    ("operator_desa", "35.99.99.9999", False),  # unknown
])
def test_the_area_must_fit_the_role(users, role, area, ok):
    values = {"username": "x.baru", "name": "Nama", "role": role, "area": area,
              "phone": "081211112222", "agency": "Dinsos"}
    spec, problems = onboarding.check_user(values, users.admin.area)
    assert (spec is not None) is ok, problems
    if not ok:
        assert "area" in problems and problems["area"].message_en


def test_an_area_outside_the_admins_regency_is_refused(users):
    from tepat.regions.models import Level, Region

    Region.objects.create(code="35.07", name="Malang", level=Level.KABUPATEN)
    values = {"username": "x.baru", "name": "Nama", "role": "opd", "area": "35.07",
              "phone": "081211112222", "agency": "Dinsos"}
    _spec, problems = onboarding.check_user(values, users.admin.area)
    assert "Probolinggo" in problems["area"].message_id


@pytest.mark.parametrize(("raw", "phone"), [
    ("0812-3456-7890", "+6281234567890"), ("+62 812 3456 7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"), ("81234567890", "+6281234567890"),
    ("81234567890.0", "+6281234567890"), ("", ""),
])
def test_phone_numbers_are_read_as_excel_leaves_them(raw, phone):
    assert onboarding.parse_phone(raw) == phone


@pytest.mark.parametrize("raw", ["12345", "8.12345E+10", "abc", "0212345"])
def test_bad_phone_numbers_are_refused_in_both_languages(raw):
    with pytest.raises(onboarding.Bad) as bad:
        onboarding.parse_phone(raw)
    assert bad.value.message_id and bad.value.message_en


def test_phone_or_email_is_required(users):
    values = {"username": "x.baru", "name": "Nama", "role": "pimpinan", "area": "35.13"}
    _spec, problems = onboarding.check_user(values, None)
    assert "phone" in problems


# --- one user ----------------------------------------------------------------------------------


def test_create_user_makes_an_account_without_a_usable_password_and_a_hashed_code(users):
    issued = onboarding.create_user(users.admin, _spec())
    user = User.objects.get(username="desa.baru")
    assert not user.has_usable_password()
    assert (user.role, user.area_id, user.phone) == ("operator_desa", "35.13.20.2002",
                                                     "+6281211112222")
    stored = ActivationCode.objects.get(user=user)
    assert issued.code not in stored.code_hash and stored.code_hash.startswith("sha256$")
    assert stored.expires_at - timezone.now() > timedelta(days=13)
    assert (issued.kecamatan_code, issued.kecamatan_name) == ("35.13.20", "Tegalsiwalan")
    event = AuditEvent.objects.get(action="accounts.user.created")
    assert event.actor == users.admin and issued.code not in json.dumps(event.data)


def test_only_the_admin_kabupaten_creates_users(users):
    with pytest.raises(RuleError):
        onboarding.create_user(users.operator_kecamatan, _spec())
    assert not User.objects.filter(username="desa.baru").exists()


def test_a_taken_user_name_is_refused(users):
    with pytest.raises(RuleError, match="sudah dipakai"):
        onboarding.create_user(users.admin, _spec(username="operator.desa"))


# --- activation ---------------------------------------------------------------------------------


def test_the_code_activates_once(users):
    issued = onboarding.create_user(users.admin, _spec())
    found = onboarding.find_activation("desa.baru", issued.code.lower().replace("-", " "))
    assert found is not None
    user = onboarding.activate_account(found, "sawah-hijau-2026")
    assert user.check_password("sawah-hijau-2026")
    assert onboarding.find_activation("desa.baru", issued.code) is None
    assert AuditEvent.objects.filter(action="accounts.user.activated").count() == 1


def test_a_weak_password_is_refused_and_the_code_stays_valid(users):
    issued = onboarding.create_user(users.admin, _spec())
    found = onboarding.find_activation("desa.baru", issued.code)
    with pytest.raises(RuleError):
        onboarding.activate_account(found, "12345678")
    assert onboarding.find_activation("desa.baru", issued.code) is not None


def test_an_expired_code_does_not_open(users):
    issued = onboarding.create_user(users.admin, _spec())
    ActivationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert onboarding.find_activation("desa.baru", issued.code) is None


def test_a_wrong_code_or_user_does_not_open(users):
    issued = onboarding.create_user(users.admin, _spec())
    assert onboarding.find_activation("desa.baru", "AAAA-BBBB-CCCC") is None
    assert onboarding.find_activation("operator.desa", issued.code) is None


def test_reissuing_revokes_the_old_code(users):
    first = onboarding.create_user(users.admin, _spec())
    user = User.objects.get(username="desa.baru")
    [second] = onboarding.reissue_activation_codes(users.admin, [user])
    assert onboarding.find_activation("desa.baru", first.code) is None
    assert onboarding.find_activation("desa.baru", second.code) is not None
    assert AuditEvent.objects.filter(action="accounts.activation.reissued").count() == 1


def test_an_activated_account_gets_no_new_code(users):
    assert onboarding.reissue_activation_codes(users.admin, [users.operator_desa]) == []


# --- reactivation -------------------------------------------------------------------------------


def test_reactivation_needs_a_reason_and_is_audited(users):
    services.deactivate_user(users.admin, users.operator_desa, "pindah tugas")
    with pytest.raises(RuleError):
        services.reactivate_user(users.admin, users.operator_desa, " ")
    services.reactivate_user(users.admin, users.operator_desa, "kembali bertugas")
    users.operator_desa.refresh_from_db()
    assert users.operator_desa.is_active
    event = AuditEvent.objects.get(action="accounts.user.reactivated")
    assert event.data["reason"] == "kembali bertugas"
    with pytest.raises(RuleError, match="sudah aktif"):
        services.reactivate_user(users.admin, users.operator_desa, "lagi-lagi")


# --- a list of users ----------------------------------------------------------------------------


def test_a_good_list_creates_every_account_with_its_code(users, tmp_path):
    report = onboarding.import_users(_csv(tmp_path, GOOD), actor=users.admin)
    assert report.ok and len(report.issued) == 3 and len({i.code for i in report.issued}) == 3
    assert User.objects.get(username="dinsos.dua").agency == "Dinas Sosial"
    assert AuditEvent.objects.filter(action="accounts.user.created").count() == 3
    groups = onboarding.group_by_kecamatan(report.issued)
    assert [g[0] for g in groups] == ["", "35.13.01"]


def test_the_same_file_again_creates_nothing_and_says_so(users, tmp_path):
    path = _csv(tmp_path, GOOD)
    onboarding.import_users(path, actor=users.admin)
    again = onboarding.import_users(path, actor=users.admin)
    assert again.ok and again.new == [] and len(again.existing) == 3 and again.issued == []
    assert AuditEvent.objects.filter(action="accounts.user.created").count() == 3


def test_a_dry_run_writes_nothing(users, tmp_path):
    report = onboarding.import_users(_csv(tmp_path, GOOD), actor=users.admin, dry_run=True)
    assert len(report.new) == 3 and report.issued == []
    assert not User.objects.filter(username="dinsos.dua").exists()


MESSY = [
    GOOD[0],
    ["desa.ngadisari", "Dua Kali", "operator_desa", "35.13.01.2001", "081211112222", "", ""],
    ["operator.desa", "Orang Lain", "operator_desa", "35.13.20.2001", "081211112222", "", ""],
    ["kec.x", "=HYPERLINK(\"http://x\";\"klik\")", "operator_kecamatan", "35.13.20", "",
     "a@b.id", ""],
    ["desa.y", "Yanto", "kepala suku", "35.13.20.2001", "081211112222", "", ""],
    ["desa.z", "Zainal", "operator_desa", "35.13.20", "081211112222", "", ""],
    ["desa.w", "Wati", "operator_desa", "35.13.20.2002", "12345", "bukan-surel", ""],
    ["opd.v", "Vina", "opd", "35.13", "081211112222", "", ""],
    ["Bad Name!", "Budi", "pimpinan", "35.13", "", "budi@contoh.id", ""],
]


def test_a_messy_list_is_refused_whole_with_every_problem_named(users, tmp_path):
    report = onboarding.import_users(_csv(tmp_path, MESSY, "berantakan.csv"), actor=users.admin)
    assert not report.ok and report.issued == []
    assert not User.objects.filter(username="desa.ngadisari").exists()
    text = "\n".join(p.message_id for p in report.problems)
    english = "\n".join(p.message_en for p in report.problems)
    for row, column in [(5, "Nama"), (6, "Peran"), (7, "Kode wilayah"), (8, "Ponsel"),
                        (8, "Surel"), (9, "Instansi"), (10, "Nama pengguna")]:
        assert f"Berkas berantakan.csv baris {row} kolom {column}:" in text, (row, column)
        assert f"File berantakan.csv row {row} column {column}:" in english
    assert AuditEvent.objects.filter(action="accounts.user.created").count() == 0


def test_duplicates_inside_the_file_and_against_existing_users_are_named(users, tmp_path):
    rows = MESSY[:3]
    report = onboarding.import_users(_csv(tmp_path, rows, "ganda.csv"), actor=users.admin)
    text = "\n".join(p.message_id for p in report.problems)
    assert "baris 3 kolom Nama pengguna: nama pengguna desa.ngadisari sama dengan baris 2" in text
    assert "baris 4 kolom Nama pengguna: nama pengguna operator.desa sudah dipakai" in text


def _xlsx(path: Path) -> Path:
    """An Excel list with a title block, numbers where text belongs and a formula cell."""
    book = workbook(str(path))
    sheet = book.add_worksheet("Akun")
    sheet.write_row(0, 0, ["Daftar akun Tepat Kabupaten Probolinggo"])
    sheet.write_row(2, 0, HEADERS)
    sheet.write_row(3, 0, ["desa.ngadisari", "Siti Rahayu", "operator_desa", "35.13.01.2001"])
    sheet.write_number(3, 4, 81234567890)  # a phone typed as a number: the 0 is gone
    sheet.write_row(4, 0, ["kec.sukapura", "Agus", "operator_kecamatan"])
    sheet.write_number(4, 3, 35.13)  # a code that became a number
    sheet.write_row(4, 5, ["agus@contoh.go.id"])
    sheet.write_row(5, 0, ["desa.rumus"])
    sheet.write_built_formula(5, 1, BuiltFormula('=CONCAT("a","b")'), value="ab")
    sheet.write_row(5, 2, ["operator_desa", "35.13.20.2001", "081211112222"])
    book.close()
    return path


def test_an_excel_list_with_wrong_types_and_a_formula_is_refused_by_row(users, tmp_path):
    report = onboarding.import_users(_xlsx(tmp_path / "akun.xlsx"), actor=users.admin)
    text = "\n".join(p.message_id for p in report.problems)
    assert "baris 4" not in text  # the phone without its 0 is read
    assert "baris 5 kolom Kode wilayah" in text  # 35.13 is the regency, not a kecamatan
    assert not User.objects.filter(username="desa.ngadisari").exists()


def test_a_file_without_the_columns_names_what_is_expected(users, tmp_path):
    path = tmp_path / "salah.csv"
    path.write_text("a,b,c\n1,2,3\n")
    report = onboarding.import_users(path, actor=users.admin)
    assert "Nama pengguna, Nama, Peran, Kode wilayah" in report.problems[0].message_id


# --- the command -------------------------------------------------------------------------------


def test_the_command_creates_the_accounts_and_writes_a_sheet_per_kecamatan(users, tmp_path):
    out = io.StringIO()
    call_command("users", "import", str(_csv(tmp_path, GOOD)), "--sheet-out",
                 str(tmp_path / "lembar"), stdout=out)
    sheets = sorted(p.name for p in (tmp_path / "lembar").iterdir())
    assert sheets == ["aktivasi-35.13.01.html", "aktivasi-kabupaten.html"]
    html = (tmp_path / "lembar" / "aktivasi-35.13.01.html").read_text()
    assert "desa.ngadisari" in html and "kec.sukapura" in html and "dinsos.dua" not in html
    code = html.split('data-activation="desa.ngadisari"')[1].split("data-code>")[1].split("<")[0]
    assert onboarding.find_activation("desa.ngadisari", code) is not None
    assert code not in out.getvalue()  # codes only on the sheets
    out2 = io.StringIO()
    call_command("users", "import", str(_csv(tmp_path, GOOD)), "--sheet-out",
                 str(tmp_path / "lagi"), stdout=out2)
    assert "Tidak ada akun baru" in out2.getvalue()


def test_the_command_dry_run_and_a_bad_file(users, tmp_path):
    out = io.StringIO()
    call_command("users", "import", str(_csv(tmp_path, GOOD)), "--dry-run", stdout=out)
    assert "DRY RUN" in out.getvalue() and not User.objects.filter(username="kec.sukapura")
    err = io.StringIO()
    with pytest.raises(CommandError, match="tidak ada akun yang dibuat"):
        call_command("users", "import", str(_csv(tmp_path, MESSY, "x.csv")), stderr=err)
    assert "baris 5 kolom Nama" in err.getvalue() and "row 5 column Nama" in err.getvalue()


def test_the_command_writes_the_sheets_as_pdf_too(users, tmp_path):
    call_command("users", "import", str(_csv(tmp_path, GOOD[:1])), "--sheet-out",
                 str(tmp_path / "lembar"), "--pdf", stdout=io.StringIO())
    pdf = tmp_path / "lembar" / "aktivasi-35.13.01.pdf"
    assert pdf.read_bytes()[:4] == b"%PDF" and oct(pdf.stat().st_mode)[-3:] == "600"
