"""New accounts for a regency (issue 19 §2): one user, or many from an Excel/CSV list, each with
a one-time activation code; re-issuing codes; activating an account with its code.

- The checks of a user (user name, name, role, area, phone or email, agency) are the same for the
  form and for each row of a file: `Bad` carries the Indonesian and the English sentence.
- `import_users` reads the whole file, checks every row (and the rows together, and against the
  existing users) and writes nothing unless every row is right; a row whose user already exists
  with the same name, role and area is "already there", so importing the same file again creates
  nothing and says so. `dry_run` is the preview.
- A new account has no usable password. Its activation code (12 characters, 60 bits) is stored
  hashed, works once, for TEPAT_ACTIVATION_DAYS days (14), and only while it is the user's
  latest: issuing a new one revokes the older. The plain codes are returned once (`Issued`), to
  be printed on the sheet of each kecamatan.
- `activate_account` checks the code, sets the password (Django's validators) and uses the code.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tepat.accounts import mfa
from tepat.accounts.models import ActivationCode, Role, User
from tepat.accounts.roles import can_manage_users
from tepat.accounts.services import ROLE_LEVELS, password_problems
from tepat.audit.services import EACH, log_event, log_events, write_service
from tepat.core.spreadsheet import NAME_FORMULA_EN, NAME_FORMULA_ID, name_runs_as_formula
from tepat.lib.errors import RuleError
from tepat.lib.uploads import upload_as_path
from tepat.pipeline.errors import ReadError
from tepat.pipeline.messages import safe_value
from tepat.pipeline.text_grid import Table, find_table, header_key, read_grids
from tepat.regions.models import Level, Region

MAX_BYTES = 5 * 1024 * 1024  # a regency has a few hundred accounts: a list of some 10 kB
MAX_ROWS = 5000
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper


def activation_days() -> int:
    return int(getattr(settings, "TEPAT_ACTIVATION_DAYS", 14))


def new_activation_code() -> str:
    """A code like 'K7QF-M2XD-9HWP' (60 bits): typed once from the printed sheet."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _i in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


# --- one user's fields ---------------------------------------------------------------------------


class Bad(Exception):
    """One value that is wrong: the Indonesian and the English sentence (what, then what is
    expected)."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id, self.message_en = message_id, message_en

    def in_language(self) -> str:
        return self.message_en if (get_language() or "").startswith("en") else self.message_id


_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,59}")


def parse_username(raw: str) -> str:
    name = raw.strip().lower()
    if not name:
        raise Bad("kosong; nama pengguna wajib diisi.", "empty; the user name is required.")
    if not _USERNAME.fullmatch(name):
        raise Bad("nama pengguna hanya huruf kecil, angka, titik, garis bawah atau tanda hubung, "
                  "3 sampai 60 karakter, diawali huruf atau angka (mis. desa.malesanwetan).",
                  "a user name is lower-case letters, digits, dots, underscores or hyphens, "
                  "3 to 60 characters, starting with a letter or digit (e.g. "
                  "desa.malesanwetan).")
    return name


def parse_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise Bad("kosong; nama lengkap wajib diisi.", "empty; the full name is required.")
    if name_runs_as_formula(name):
        raise Bad(f"Nama {NAME_FORMULA_ID}", f"The name {NAME_FORMULA_EN}")
    if len(name) > 150:
        raise Bad("nama terlalu panjang (paling banyak 150 karakter).",
                  "the name is too long (150 characters at most).")
    return name


_ROLE_WORDS = {
    Role.ADMIN_KABUPATEN: ("admin", "adminkabupaten", "admin kabupaten", "sekretariat tkpk"),
    Role.OPERATOR_KECAMATAN: ("operator kecamatan", "kecamatan", "operatorkecamatan"),
    Role.OPERATOR_DESA: ("operator desa", "desa", "kelurahan", "operator kelurahan",
                         "operator desa/kelurahan"),
    Role.OPD: ("opd", "operator opd", "perangkat daerah", "dinas"),
    Role.PEJABAT: ("pejabat", "pejabat pendamping", "pendamping"),
    Role.PIMPINAN: ("pimpinan", "leadership", "bupati"),
}
_ROLE_KEYS = {header_key(word): role for role, words in _ROLE_WORDS.items()
              for word in (*words, role.value, str(role.label))}


def parse_role(raw: str) -> Role:
    role = _ROLE_KEYS.get(header_key(raw))
    if role is None:
        known = ", ".join(r.value for r in Role)
        raise Bad(f"peran tidak dikenal. Tulis salah satu: {known} (atau 'operator desa', "
                  "'operator kecamatan', 'pejabat', 'pimpinan').",
                  f"unknown role. Write one of: {known}.")
    return role


_LEVEL_WORDS = {Level.KABUPATEN: ("kabupaten", "regency"), Level.KECAMATAN: ("kecamatan",
                                                                             "district"),
                Level.DESA: ("desa/kelurahan", "village")}


def _dotted(code: str) -> str:
    """'3513202001' -> '35.13.20.2001'; a dotted code as it is (Excel drops nothing there)."""
    digits = re.sub(r"\s", "", code)
    if re.fullmatch(r"[0-9]{4}|[0-9]{6}|[0-9]{10}", digits):
        parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
        return ".".join(p for p in parts if p)
    return digits


def parse_area(raw: str, role: Role | None, regency: Region | None) -> Region:
    """The area of the role: a desa role needs a desa code of this regency, a kecamatan role a
    kecamatan code, the regency's roles the regency's code."""
    code = _dotted(raw.strip())
    if not code:
        raise Bad("kosong; kode wilayah wajib diisi.", "empty; the area code is required.")
    area = Region.objects.filter(code=code).first()
    if area is None or (regency is not None and not regency.contains(area.code)):
        where_id = f" di Kabupaten {regency.name} ({regency.code})" if regency else ""
        where_en = f" in {regency.name} ({regency.code})" if regency else ""
        raise Bad(f"kode wilayah {code} tidak dikenal{where_id}. Tulis kode Kemendagri, mis. "
                  "35.13.20 (kecamatan) atau 35.13.20.2001 (desa).",
                  f"unknown area code {code}{where_en}. Write a Kemendagri code, e.g. 35.13.20 "
                  "(kecamatan) or 35.13.20.2001 (desa).")
    if role is not None and area.level not in ROLE_LEVELS[role]:
        level = next(iter(ROLE_LEVELS[role]))
        word_id, word_en = _LEVEL_WORDS[Level(level)]
        raise Bad(f"{role.label} bekerja di tingkat {word_id}; {area.kind_label} {area.name} "
                  f"({area.code}) bukan {word_id}. Tulis kode {word_id}.",
                  f"role {role.value} works at {word_en} level; {area.name} ({area.code}) is "
                  f"not a {word_en}. Write a {word_en} code.")
    return area


def parse_phone(raw: str) -> str:
    """An Indonesian mobile number as +62…: '0812-3456-7890', '62 812…', '+62812…', and the
    '8123456789' (or '8123456789.0') Excel leaves of a number typed without its leading 0."""
    raw = raw.strip()
    if re.fullmatch(r"[0-9.,]+[eE][+-]?[0-9]+", raw):
        raise Bad("nomor ponsel terbaca sebagai angka desimal (Excel membulatkannya). Format "
                  "kolom sebagai Teks lalu ketik ulang nomornya.",
                  "the phone number was read as a decimal number (Excel rounds it). Format the "
                  "column as Text and type the number again.")
    if re.fullmatch(r"[0-9]+\.0+", raw):
        raw = raw.split(".")[0]
    text = re.sub(r"[\s.()\-]", "", raw)
    if not text:
        return ""
    for prefix, replace in (("+62", "+62"), ("62", "+62"), ("0", "+62"), ("8", "+628")):
        if text.startswith(prefix):
            text = replace + text[len(prefix):]
            break
    if not re.fullmatch(r"\+628[0-9]{7,11}", text):
        raise Bad("nomor ponsel tidak sah. Tulis nomor ponsel Indonesia, mis. 0812-3456-7890 "
                  "atau +6281234567890.",
                  "not a valid phone number. Write an Indonesian mobile number, e.g. "
                  "0812-3456-7890 or +6281234567890.")
    return text


def parse_email(raw: str) -> str:
    email = raw.strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise Bad("alamat surel tidak sah (mis. nama@probolinggokab.go.id).",
                  "not a valid e-mail address (e.g. name@probolinggokab.go.id).") from None
    return email


def parse_agency(raw: str, role: Role | None) -> str:
    agency = " ".join(raw.split())
    if role == Role.OPD and not agency:
        raise Bad("kosong; operator OPD wajib menyebut instansinya (mis. Dinas Sosial).",
                  "empty; an OPD operator needs their agency (e.g. Dinas Sosial).")
    if name_runs_as_formula(agency):
        raise Bad(f"Instansi {NAME_FORMULA_ID}", f"The agency {NAME_FORMULA_EN}")
    return agency[:120]


@dataclass(frozen=True)
class UserSpec:
    """A user to create, checked."""

    username: str
    name: str
    role: Role
    area: Region
    phone: str = ""
    email: str = ""
    agency: str = ""

    def same_as(self, user: User) -> bool:
        """The existing `user` is this one (a row imported before)."""
        return (user.first_name == self.name and user.role == self.role
                and user.area_id == self.area.code)


FIELDS = ("username", "name", "role", "area", "phone", "email", "agency")


def check_user(values: dict[str, str], regency: Region | None) -> tuple[UserSpec | None,
                                                                        dict[str, Bad]]:
    """The checked user of raw `values` (keys of FIELDS), or the problems by field."""
    problems: dict[str, Bad] = {}
    checked: dict[str, Any] = {}

    def run(name: str, parse: Any, *args: Any) -> None:
        try:
            checked[name] = parse(values.get(name, "") or "", *args)
        except Bad as error:
            problems[name] = error

    run("username", parse_username)
    run("name", parse_name)
    run("role", parse_role)
    role = checked.get("role")
    run("area", parse_area, role, regency)
    run("phone", parse_phone)
    run("email", parse_email)
    run("agency", parse_agency, role)
    if not problems and not checked["phone"] and not checked["email"]:
        problems["phone"] = Bad("kosong, dan surel juga kosong: isi nomor ponsel atau surel "
                                "(untuk menghubungi pengguna).",
                                "empty, and the e-mail is empty too: give a phone number or an "
                                "e-mail (to reach the user).")
    if problems:
        return None, problems
    return UserSpec(**checked), {}


def regency_of(actor: Any) -> Region | None:
    """The regency whose accounts the actor makes: the admin's own area (None: the command line
    without a user, any area of the loaded regions)."""
    area = getattr(actor, "area", None)
    return area if area is not None and area.level == Level.KABUPATEN else None


def _require_admin(actor: Any) -> None:
    if actor is not None and not can_manage_users(actor):
        raise RuleError(_("Hanya admin kabupaten yang mengatur pengguna."))


# --- activation codes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """A code just issued: what the printed sheet shows for one user (shown once)."""

    username: str
    name: str
    role: str  # label
    area_code: str
    area_name: str
    kecamatan_code: str  # "" for the regency's accounts
    kecamatan_name: str
    code: str
    expires_at: datetime


def group_by_kecamatan(issued: list[Issued]) -> list[tuple[str, str, list[Issued]]]:
    """The codes by kecamatan (code, name, items): one printed page each; the regency's own
    accounts first."""
    by: dict[tuple[str, str], list[Issued]] = defaultdict(list)
    for item in issued:
        by[(item.kecamatan_code, item.kecamatan_name)].append(item)
    return [(code, name, sorted(items, key=lambda i: (i.area_code, i.username)))
            for (code, name), items in sorted(by.items())]


def _kecamatan(area: Region | None) -> Region | None:
    if area is None or area.level == Level.KABUPATEN:
        return None
    return area if area.level == Level.KECAMATAN else area.parent


def _issue(user: User, actor: Any, now: datetime) -> Issued:
    """Revoke the user's open codes and make a new one (inside the caller's transaction)."""
    ActivationCode.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True
                                  ).update(revoked_at=now)
    code = new_activation_code()
    expires = now + timedelta(days=activation_days())
    ActivationCode.objects.create(user=user, code_hash=mfa.hash_recovery_code(code),
                                  expires_at=expires,
                                  issued_by=actor if getattr(actor, "pk", None) else None)
    area = user.area
    kecamatan = _kecamatan(area)
    return Issued(user.username, user.first_name, str(Role(user.role).label) if user.role else "",
                  area.code if area else "", f"{area.kind_label} {area.name}" if area else "",
                  kecamatan.code if kecamatan else "", kecamatan.name if kecamatan else "",
                  code, expires)


def is_activated(user: User) -> bool:
    return user.has_usable_password()


@write_service(EACH)
def reissue_activation_codes(actor: Any, users: Iterable[User]) -> list[Issued]:
    """New codes for accounts not yet activated (a lost sheet, an expired code): the old codes
    stop working. One audit event per user; activated or inactive accounts are skipped."""
    _require_admin(actor)
    now = timezone.now()
    issued: list[Issued] = []
    with transaction.atomic():
        pks = [u.pk for u in users]
        for user in (User.objects.select_for_update(of=("self",)).select_related("area__parent")
                     .filter(pk__in=pks, is_active=True).order_by("area_id", "username")):
            if is_activated(user):
                continue
            issued.append(_issue(user, actor, now))
            log_event("accounts.activation.reissued", actor=actor, obj=user,
                      area_code=user.area_id or "", data={"user": user.username})
    return issued


def pending_activation(regency_or_kecamatan: Region | None = None) -> list[User]:
    """Active accounts that have not set a password yet, in an area (None: all)."""
    users = User.objects.filter(is_active=True).select_related("area").order_by("username")
    if regency_or_kecamatan is not None:
        code = regency_or_kecamatan.code
        users = users.filter(area__code__startswith=code)
    return [u for u in users if not is_activated(u)]


def find_activation(username: str, code: str) -> ActivationCode | None:
    """The open code of that user that matches `code`, else None (a read: the view counts the
    failure for the sign-in throttle)."""
    user = User.objects.filter(username=username.strip().lower(), is_active=True).first()
    if user is None or is_activated(user):
        mfa.hash_recovery_code(code)  # about the same time either way
        return None
    now = timezone.now()
    for stored in ActivationCode.objects.filter(user=user, used_at__isnull=True,
                                                revoked_at__isnull=True, expires_at__gt=now):
        if mfa.recovery_code_matches(code, stored.code_hash):
            return stored
    return None


@write_service()
def activate_account(activation: ActivationCode, password: str) -> User:
    """Use the code: the user's password is set (Django's validators) and every open code of
    theirs stops working."""
    user = activation.user
    problems = password_problems(password, user)
    if problems:
        raise RuleError(*(("new_password1", problem) for problem in problems))
    with transaction.atomic():
        now = timezone.now()
        stored = ActivationCode.objects.select_for_update().filter(
            pk=activation.pk, used_at__isnull=True, revoked_at__isnull=True,
            expires_at__gt=now).first()
        user = User.objects.select_for_update().get(pk=user.pk)
        if stored is None or not user.is_active or is_activated(user):
            raise RuleError(("kode", _("Kode aktivasi ini tidak berlaku lagi. Minta kode baru "
                                      "kepada admin kabupaten.")))
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        stored.used_at = now
        stored.save(update_fields=["used_at"])
        ActivationCode.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True
                                      ).update(revoked_at=now)
        log_event("accounts.user.activated", actor=user, obj=user, area_code=user.area_id or "",
                  data={"user": user.username, "code_issued": stored.created_at.isoformat()})
    return user


# --- creating users ------------------------------------------------------------------------------


def _new_user(spec: UserSpec) -> User:
    user = User(username=spec.username, first_name=spec.name, role=spec.role, area=spec.area,
                phone=spec.phone, email=spec.email, agency=spec.agency)
    user.set_unusable_password()
    return user


def _created_data(spec: UserSpec) -> dict[str, Any]:
    return {"user": spec.username, "role": spec.role.value, "area": spec.area.code,
            "agency": spec.agency, "phone": bool(spec.phone), "email": bool(spec.email)}


@write_service()
def create_user(actor: Any, spec: UserSpec) -> Issued:
    """One new account (the admin kabupaten's form) and its first activation code."""
    _require_admin(actor)
    regency = regency_of(actor)
    if regency is not None and not regency.contains(spec.area.code):
        raise RuleError(("area", _("Wilayah ini di luar kabupaten Anda.")))
    with transaction.atomic():
        if User.objects.filter(username=spec.username).exists():
            raise RuleError(("username", _("Nama pengguna %(user)s sudah dipakai akun lain.")
                             % {"user": spec.username}))
        user = _new_user(spec)
        user.save()
        issued = _issue(user, actor, timezone.now())
        log_event("accounts.user.created", actor=actor, obj=user, area_code=spec.area.code,
                  data={**_created_data(spec), "source": "form"})
    return issued


# --- many users from a file ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("username", "Nama pengguna", True, ("Username", "User name", "Akun", "Login")),
    Column("name", "Nama", True, ("Nama lengkap", "Name", "Full name", "Nama operator")),
    Column("role", "Peran", True, ("Role", "Jabatan akun", "Hak akses")),
    Column("area", "Kode wilayah", True, ("Kode", "Wilayah", "Area", "Area code",
                                          "Kode Kemendagri", "Kode desa/kecamatan")),
    Column("phone", "Ponsel", False, ("No HP", "No. HP", "Nomor HP", "HP", "Telepon", "Phone",
                                      "WhatsApp", "WA")),
    Column("email", "Surel", False, ("Email", "E-mail", "Alamat surel")),
    Column("agency", "Instansi", False, ("OPD", "Agency", "Perangkat daerah")),
)
_HEADER_KEYS = {header_key(name): c.field for c in COLUMNS
                for name in (c.header, c.field, *c.aliases)}
EXPECTED_HEADERS = ", ".join(c.header for c in COLUMNS)


@dataclass(frozen=True)
class Problem:
    """Why the file was not imported: where (file, row, column) and what was expected."""

    file: str
    row: int | None
    column: str
    value: str  # masked (safe_value)
    message_id: str
    message_en: str

    def __str__(self) -> str:
        return self.message_id

    def in_language(self) -> str:
        return self.message_en if (get_language() or "").startswith("en") else self.message_id


def _problem(file: str, row: int | None, column: str, value: object, bad: Bad) -> Problem:
    if row is None:
        at_id, at_en = f"Berkas {file} kolom {column}: ", f"File {file} column {column}: "
    else:
        at_id = f"Berkas {file} baris {row} kolom {column}: "
        at_en = f"File {file} row {row} column {column}: "
    return Problem(file, row, column, safe_value(value), at_id + bad.message_id,
                   at_en + bad.message_en)


@dataclass
class PlannedRow:
    row: int
    spec: UserSpec


@dataclass
class UserImport:
    """What an import would do (dry run) or did; with `problems`, why it did nothing."""

    file: str
    sha256: str = ""
    rows: int = 0
    new: list[PlannedRow] = field(default_factory=list)  # to create / created
    existing: list[PlannedRow] = field(default_factory=list)  # already there, same user
    issued: list[Issued] = field(default_factory=list)  # after a real run only
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "rows": self.rows,
                "new": [p.spec.username for p in self.new],
                "existing": [p.spec.username for p in self.existing],
                "dry_run": self.dry_run, "problems": [p.message_en for p in self.problems]}


class _Checker:
    def __init__(self, table: Table, regency: Region | None) -> None:
        self.table, self.regency = table, regency
        self.problems: list[Problem] = []

    def parse(self, row: int, cells: list[str]) -> PlannedRow | None:
        values = {name: self.table.cell(cells, name)[0] for name in FIELDS}
        spec, problems = check_user(values, self.regency)
        for name, bad in problems.items():
            raw, header = self.table.cell(cells, name)
            header = header if name in self.table.columns else _header_of(name)
            self.problems.append(_problem(self.table.file, row, header, raw, bad))
        return PlannedRow(row, spec) if spec is not None else None

    def together(self, planned: list[PlannedRow], report: UserImport) -> None:
        """A user name once per file; one that exists already must be that same user."""
        file, header = self.table.file, self.table.columns["username"][1]
        first: dict[str, int] = {}
        for p in planned:
            if p.spec.username in first:
                self.problems.append(_problem(file, p.row, header, p.spec.username, Bad(
                    f"nama pengguna {p.spec.username} sama dengan baris "
                    f"{first[p.spec.username]}. Satu akun satu baris.",
                    f"user name {p.spec.username} is the same as row "
                    f"{first[p.spec.username]}. One row per account.")))
            first.setdefault(p.spec.username, p.row)
        existing = {u.username: u for u in User.objects.filter(username__in=list(first))}
        for p in planned:
            user = existing.get(p.spec.username)
            if user is None:
                report.new.append(p)
            elif p.spec.same_as(user):
                report.existing.append(p)
            else:
                self.problems.append(_problem(file, p.row, header, p.spec.username, Bad(
                    f"nama pengguna {p.spec.username} sudah dipakai akun lain (nama, peran "
                    "atau wilayah berbeda). Pilih nama pengguna lain.",
                    f"user name {p.spec.username} is taken by another account (another name, "
                    "role or area). Choose another user name.")))


def _header_of(field_name: str) -> str:
    return next(c.header for c in COLUMNS if c.field == field_name)


def _missing_columns(table: Table) -> list[Problem]:
    bad = Bad(f"kolom wajib tidak ada di baris judul. Judul kolom yang diharapkan: "
              f"{EXPECTED_HEADERS}.",
              f"required column missing from the header row. Expected headers: "
              f"{EXPECTED_HEADERS}.")
    problems = [_problem(table.file, table.header_row, c.header, "", bad)
                for c in COLUMNS if c.required and c.field not in table.columns]
    if "phone" not in table.columns and "email" not in table.columns:
        problems.append(_problem(table.file, table.header_row, "Ponsel / Surel", "", Bad(
            "berkas perlu kolom Ponsel atau kolom Surel.",
            "the file needs a Ponsel (phone) or a Surel (e-mail) column.")))
    return problems


def _read(path: Path, file_name: str, report: UserImport) -> Table | None:
    try:
        report.sha256 = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        table = find_table(read_grids(path, file_name, MAX_BYTES), file_name, _HEADER_KEYS,
                           at_least=3, expected=EXPECTED_HEADERS)
    except ReadError as error:
        report.problems.append(Problem(file_name, None, "", "", error.message_id,
                                       error.message_en))
        return None
    report.rows = len(table.rows)
    if len(table.rows) > MAX_ROWS:
        report.problems.append(_problem(file_name, None, "", "", Bad(
            f"{len(table.rows)} baris; paling banyak {MAX_ROWS} akun per berkas.",
            f"{len(table.rows)} rows; at most {MAX_ROWS} accounts per file.")))
        return None
    report.problems = _missing_columns(table)
    return None if report.problems else table


def check_file(path_or_file: Path | str | IO[bytes], *, actor: Any,
               file_name: str = "") -> UserImport:
    """Read and check the file; nothing is written (the preview, `--dry-run`)."""
    file_name = file_name or Path(str(getattr(path_or_file, "name", "") or path_or_file)).name
    report = UserImport(file=file_name, dry_run=True)
    with tempfile.TemporaryDirectory(prefix="tepat-pengguna-") as workdir:
        table = _read(upload_as_path(path_or_file, file_name, Path(workdir)), file_name, report)
    if table is None:
        return report
    checker = _Checker(table, regency_of(actor))
    planned = [p for p in (checker.parse(n, cells) for n, cells in table.rows) if p is not None]
    if not checker.problems:
        checker.together(planned, report)
    report.problems = sorted(checker.problems, key=lambda p: (p.row is not None, p.row or 0))
    if report.problems:
        report.new, report.existing = [], []
    return report


def _write(report: UserImport, actor: Any) -> None:
    now = timezone.now()
    with transaction.atomic():
        taken = set(User.objects.filter(username__in=[p.spec.username for p in report.new])
                    .values_list("username", flat=True))
        if taken:  # created by someone else between the check and now
            raise RuleError(_("Nama pengguna ini baru saja dibuat oleh orang lain: %(names)s. "
                              "Unggah berkasnya lagi.") % {"names": ", ".join(sorted(taken))})
        users = [_new_user(p.spec) for p in report.new]
        User.objects.bulk_create(users)
        users = list(User.objects.select_related("area__parent").filter(
            username__in=[u.username for u in users]).order_by("area_id", "username"))
        report.issued = [_issue(user, actor, now) for user in users]
        specs = {p.spec.username: p.spec for p in report.new}
        log_events("accounts.user.created", actor=actor, objects=[
            (user, user.area_id or "",
             {**_created_data(specs[user.username]), "source": "file", "file": report.file,
              "sha256": report.sha256})
            for user in users])


@write_service(EACH, none_when="dry_run", refused=lambda report: not report.ok)
def import_users(path_or_file: Path | str | IO[bytes], *, actor: Any, file_name: str = "",
                 dry_run: bool = False) -> UserImport:
    """Create the accounts of an .xlsx or .csv list (see COLUMNS): all new rows or none. Rows
    whose account exists already (same user name, name, role and area) are left as they are, so
    a second run of the same file creates nothing. One audit event per account created; the
    plain activation codes are in `report.issued` (shown once)."""
    _require_admin(actor)
    report = check_file(path_or_file, actor=actor, file_name=file_name)
    report.dry_run = dry_run
    if report.ok and not dry_run and report.new:
        _write(report, actor)
    return report
