"""Officials (pejabat eselon) from an Excel or CSV list, and the regency's agencies (OPD).

`import_officials` reads the whole file as text, checks every row and writes nothing unless every
row is right (all-or-nothing, like the registry import). The NIP is the key: importing the same
file again changes nothing, and a corrected file updates the officials it names. The optional
columns "Kecamatan tim" and "Peran tim" set the Gesek Ekstrem team of every kecamatan the file
names (the whole team: its koordinator and members). One audit event records the import.

`ensure_agencies` loads the list of a regency's agencies (the demo's, or one given).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tepat.accounts import roles
from tepat.audit.services import ONE_IF_CHANGED, log_event, write_service
from tepat.core.spreadsheet import NAME_FORMULA_EN, NAME_FORMULA_ID, name_runs_as_formula
from tepat.core.strategies import ESELON
from tepat.gesek.models import Agency, Official, TeamMember, TeamRole
from tepat.lib.uploads import upload_as_path
from tepat.pipeline.errors import ReadError
from tepat.pipeline.messages import safe_value
from tepat.pipeline.workbook import open_workbook
from tepat.pipeline.xlsx_guard import ZipLimits, check_workbook
from tepat.regions.models import Level, Region
from tepat.verification.errors import RuleError

MAX_BYTES = 10 * 1024 * 1024  # a regency has a few hundred officials: a list of a few 100 kB
HEADER_SCAN_ROWS = 30


# --- the regency's agencies --------------------------------------------------------------------


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    short_name: str


def kecamatan_office_code(kecamatan_code: str) -> str:
    """The agency code of a kecamatan office: 'kec-351320' for 35.13.20."""
    return "kec-" + kecamatan_code.replace(".", "")


# The perangkat daerah of a regency that take part in Gesek Ekstrem (Kabupaten Probolinggo's),
# then the partners whose programmes meet needs (Baznas, the province's ESDM office; named by
# `regency_agencies`), then the kecamatan offices (whose camat and secretaries lead or join their
# kecamatan's team), from the Region table.
REGENCY_WIDE: tuple[AgencySpec, ...] = (
    AgencySpec("setda", "Sekretariat Daerah", "Setda"),
    AgencySpec("inspektorat", "Inspektorat", "Inspektorat"),
    AgencySpec("bapelitbangda", "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan "
               "Daerah", "Bapelitbangda"),
    AgencySpec("bappenda", "Badan Pendapatan Daerah", "Bappenda"),
    AgencySpec("bpkad", "Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD"),
    AgencySpec("bkpsdm", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM"),
    AgencySpec("bpbd", "Badan Penanggulangan Bencana Daerah", "BPBD"),
    AgencySpec("dinsos", "Dinas Sosial", "Dinsos"),
    AgencySpec("dinkes", "Dinas Kesehatan", "Dinkes"),
    AgencySpec("dindik", "Dinas Pendidikan", "Dispendik"),
    AgencySpec("dpmd", "Dinas Pemberdayaan Masyarakat dan Desa", "DPMD"),
    AgencySpec("perkim", "Dinas Perumahan dan Kawasan Permukiman", "Perkim"),
    AgencySpec("pupr", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR"),
    AgencySpec("dispendukcapil", "Dinas Kependudukan dan Pencatatan Sipil", "Dispendukcapil"),
    AgencySpec("disnaker", "Dinas Tenaga Kerja", "Disnaker"),
    AgencySpec("diskopumkm", "Dinas Koperasi dan Usaha Mikro, Kecil dan Menengah",
               "Diskop UMKM"),
    AgencySpec("disperindag", "Dinas Perindustrian dan Perdagangan", "Disperindag"),
    AgencySpec("distan", "Dinas Pertanian", "Distan"),
    AgencySpec("disnakkeswan", "Dinas Peternakan dan Kesehatan Hewan", "Disnakkeswan"),
    AgencySpec("diskan", "Dinas Perikanan", "Diskan"),
    AgencySpec("dkp", "Dinas Ketahanan Pangan", "DKP"),
    AgencySpec("dlh", "Dinas Lingkungan Hidup", "DLH"),
    AgencySpec("dppkb", "Dinas Pengendalian Penduduk dan Keluarga Berencana", "DPPKB"),
    AgencySpec("dp3a", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "DP3A"),
    AgencySpec("diskominfo", "Dinas Komunikasi dan Informatika", "Diskominfo"),
)


def regency_agencies(kabupaten: str | None = None) -> tuple[AgencySpec, ...]:
    """The agencies of the instance's regency (or of `kabupaten`): the perangkat daerah, Baznas
    of the regency, the province's ESDM office and one office per kecamatan of the Region
    table (load the regions first)."""
    from tepat.core.regions import national_table
    from tepat.regions.selectors import kecamatan, regency, regency_name

    kab = kabupaten or regency()
    province = national_table().get(kab.split(".")[0])
    province_name = province.name.title() if province else ""
    esdm_short = "Dinas ESDM Jatim" if kab.startswith("35.") else f"Dinas ESDM {province_name}"
    return (
        *REGENCY_WIDE,
        AgencySpec("baznas", f"Badan Amil Zakat Nasional {regency_name(kab)}", "Baznas"),
        AgencySpec("esdm", f"Dinas Energi dan Sumber Daya Mineral Provinsi {province_name}",
                   esdm_short),
        *(AgencySpec(kecamatan_office_code(r.code), f"Kantor Kecamatan {r.name}",
                     f"Kec. {r.name}") for r in kecamatan(kab)),
    )


@dataclass(frozen=True)
class AgencyLoad:
    created: int
    updated: int
    unchanged: int


@write_service(ONE_IF_CHANGED)
def ensure_agencies(agencies: Iterable[AgencySpec] | None = None, *, actor: Any = None
                    ) -> AgencyLoad:
    """Create or update the agencies (matched by code, else by name; default: the regency's,
    `regency_agencies()`); safe to run twice."""
    specs = list(agencies if agencies is not None else regency_agencies())
    created = updated = 0
    with transaction.atomic():
        for spec in specs:
            agency = (Agency.objects.filter(code=spec.code).first()
                      or Agency.objects.filter(name=spec.name).first())
            if agency is None:
                Agency.objects.create(code=spec.code, name=spec.name, short_name=spec.short_name)
                created += 1
            elif (agency.code, agency.name, agency.short_name) != (spec.code, spec.name,
                                                                   spec.short_name):
                agency.code, agency.name, agency.short_name = spec.code, spec.name, spec.short_name
                agency.save(update_fields=["code", "name", "short_name"])
                updated += 1
        if created or updated:
            log_event("gesek.agencies.loaded", actor=actor,
                      data={"created": created, "updated": updated, "listed": len(specs)})
    return AgencyLoad(created, updated, len(specs) - created - updated)


# --- messages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why the file was not imported: where (file, row, column) and what was expected."""

    file: str
    row: int | None  # 1-based spreadsheet row; None for the whole file
    column: str
    value: str  # masked (safe_value)
    message_id: str
    message_en: str

    def __str__(self) -> str:
        return self.message_id


def _at(file: str, row: int | None, column: str) -> tuple[str, str]:
    if row is None:
        return f"Berkas {file} kolom {column}: ", f"File {file} column {column}: "
    return (f"Berkas {file} baris {row} kolom {column}: ",
            f"File {file} row {row} column {column}: ")


def _problem(file: str, row: int | None, column: str, value: object, message_id: str,
             message_en: str) -> Problem:
    at_id, at_en = _at(file, row, column)
    return Problem(file, row, column, safe_value(value), at_id + message_id, at_en + message_en)


# --- the columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("name", "Nama", True, ("Nama Pejabat", "Nama Lengkap")),
    Column("nip", "NIP", True, ("NIP Pejabat",)),
    Column("position", "Jabatan", True, ("Nama Jabatan",)),
    Column("eselon", "Eselon", True, ("Eselon/Jenjang",)),
    Column("agency", "Instansi", True, ("OPD", "Perangkat Daerah", "Unit Kerja", "Instansi/OPD")),
    Column("base", "Lokasi kantor", True, ("Lokasi", "Desa kantor", "Kode desa kantor",
                                           "Lokasi kantor (kode desa)")),
    Column("team_kecamatan", "Kecamatan tim", False, ("Tim kecamatan", "Kecamatan penugasan")),
    Column("team_role", "Peran tim", False, ("Peran", "Peran dalam tim")),
)


def _key(text: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text or "").lower())


_HEADER_KEYS = {_key(name): c for c in COLUMNS for name in (c.header, c.field, *c.aliases)}


def _header_map(cells: Sequence[object]) -> dict[str, tuple[int, str]]:
    """field -> (position, header as written) for the known headers of a row (leftmost wins)."""
    found: dict[str, tuple[int, str]] = {}
    for position, cell in enumerate(cells):
        column = _HEADER_KEYS.get(_key(cell))
        if column is not None and column.field not in found:
            found[column.field] = (position, " ".join(str(cell).split()))
    return found


# --- reading the file as text ------------------------------------------------------------------


@dataclass
class Sheet:
    file: str
    header_row: int  # 1-based
    columns: dict[str, tuple[int, str]]  # field -> (position, header)
    rows: list[tuple[int, list[str]]]  # (1-based row, cells) of the data rows, blanks skipped


def _text(cell: object) -> str:
    return " ".join(str(cell).split()) if cell is not None else ""


def _find_header(grid: list[list[str]]) -> tuple[int, dict[str, tuple[int, str]]] | None:
    best: tuple[int, dict[str, tuple[int, str]]] | None = None
    for index, cells in enumerate(grid[:HEADER_SCAN_ROWS]):
        found = _header_map(cells)
        if len(found) >= 3 and (best is None or len(found) > len(best[1])):
            best = (index, found)
    return best


def _grid_xlsx(path: Path, file: str) -> list[list[list[str]]]:
    """Every sheet as rows of text cells, parsed in the pipeline's limited child process
    (`_check_file` has already run the pre-check)."""
    with open_workbook(path, file, checked=True) as book:
        return [[[_text(c) for c in row] for row in book.load(sheet).frame.rows()]
                for sheet in book.sheet_names]


def _grid_csv(path: Path, file: str) -> list[list[list[str]]]:
    raw = path.read_bytes()
    text = raw.decode("latin-1")  # decodes every byte: the last resort
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    lines = text.splitlines()
    head = "\n".join(lines[:HEADER_SCAN_ROWS])
    delimiter = max((",", ";", "\t", "|"), key=head.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [[[_text(c) for c in row] for row in rows]]


def _check_file(path: Path, file: str) -> str:
    """'zip' (xlsx) or 'text' (csv), after the pipeline's safety checks (size, kind, zip bomb)."""
    # The registry reader's checks, reused: a few bytes, then the workbook's parts as a stream.
    from tepat.pipeline.readers import _check_size, _sniff

    _check_size(path, file, MAX_BYTES)
    kind = _sniff(path, file)
    if kind == "zip":
        check_workbook(path, file, ZipLimits())
    return kind


def read_officials_sheet(path: Path, file: str) -> Sheet:
    """The officials' table: the first sheet whose header row (in the first 30 rows) names at
    least three of the known columns. Every cell is text: an 18-digit NIP never passes a float."""
    grids = _grid_xlsx(path, file) if _check_file(path, file) == "zip" else _grid_csv(path, file)
    for grid in grids:
        found = _find_header(grid)
        if found is None:
            continue
        index, columns = found
        rows = [(number, cells) for number, cells in enumerate(grid[index + 1:], start=index + 2)
                if any(cells)]
        if not rows:
            raise ReadError("FILE_NO_DATA", file, row=index + 1)
        return Sheet(file, index + 1, columns, rows)
    expected = ", ".join(c.header for c in COLUMNS)
    raise ReadError("FILE_NO_HEADER", file, limit=HEADER_SCAN_ROWS, expected=expected)


# --- checking the cells ------------------------------------------------------------------------


class Bad(Exception):
    """One cell that is wrong: the Indonesian and English sentences (what, then what is
    expected)."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id, self.message_en = message_id, message_en


def parse_nip(raw: str) -> str:
    """An 18-digit NIP (spaces, dots and dashes allowed between its parts): born YYYYMMDD,
    appointed YYYYMM, sex 1/2, serial."""
    if re.fullmatch(r"[0-9.,]+[eE][+-]?[0-9]+", raw):
        raise Bad("NIP terbaca sebagai angka desimal (Excel membulatkannya, digit terakhir "
                  "hilang). Format kolom NIP sebagai Teks lalu ketik ulang 18 angkanya.",
                  "the NIP was read as a decimal number (Excel rounds it and loses the last "
                  "digits). Format the NIP column as Text and type its 18 digits again.")
    nip = re.sub(r"[\s.\-]", "", raw)
    if not re.fullmatch(r"[0-9]{18}", nip):
        raise Bad(f"NIP harus 18 angka (tertulis {len(re.sub(r'[^0-9]', '', nip))} angka).",
                  "the NIP must be 18 digits.")
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
        appointed_month = int(nip[12:14])
    except ValueError:
        born, appointed_month = None, 0
    if born is None or not 1940 <= born.year <= 2010 or not 1 <= appointed_month <= 12 or (
            nip[14] not in "12"):
        raise Bad("NIP tidak sesuai susunannya: 8 angka tanggal lahir (TTTTBBHH), 6 angka "
                  "TMT CPNS (TTTTBB), 1 angka jenis kelamin (1/2), 3 angka nomor urut.",
                  "the NIP does not follow its structure: 8 digits birth date (YYYYMMDD), "
                  "6 digits appointment (YYYYMM), 1 digit sex (1/2), 3 digits serial.")
    return nip


_ROMAN = {"2": "II", "3": "III", "4": "IV", "ii": "II", "iii": "III", "iv": "IV"}


def parse_eselon(raw: str) -> str:
    """II, III or IV; the grades II.a, III.b, IV/a … and 2, 3, 4 are read as their level."""
    match = re.fullmatch(r"(?:eselon\s*)?(iv|iii|ii|[234])\s*[./\-]?\s*[ab]?", raw.strip().lower())
    level = _ROMAN.get(match.group(1)) if match else None
    if level not in ESELON:
        raise Bad("eselon tidak dikenal. Tulis II, III atau IV (boleh II.a, III.b, IV.a).",
                  "unknown eselon. Write II, III or IV (II.a, III.b, IV.a are accepted).")
    return level


_ROLES = {"koordinator": TeamRole.COORDINATOR, "ketua": TeamRole.COORDINATOR,
          "coordinator": TeamRole.COORDINATOR, "anggota": TeamRole.MEMBER,
          "member": TeamRole.MEMBER}


def parse_role(raw: str) -> str:
    role = _ROLES.get(raw.strip().lower())
    if role is None:
        raise Bad("peran tim tidak dikenal. Tulis koordinator atau anggota.",
                  "unknown team role. Write koordinator (coordinator) or anggota (member).")
    return role


def _name_key(text: str) -> str:
    """'Desa  Malesan Wetan' -> 'malesanwetan'; 'Kec. Tegalsiwalan' -> 'tegalsiwalan'."""
    text = re.sub(r"^\s*(desa|kelurahan|kel\.|ds\.|kecamatan|kec\.)\s*", "", text.lower())
    return _key(text)


class Places:
    """The regency's desa and kecamatan, by code and by name, for the location columns."""

    def __init__(self) -> None:
        regions = list(Region.objects.filter(level__in=[Level.DESA, Level.KECAMATAN])
                       .only("code", "name", "level", "parent_id"))
        self.kecamatan = {r.code: r for r in regions if r.level == Level.KECAMATAN}
        self.desa = {r.code: r for r in regions if r.level == Level.DESA}
        self.kecamatan_by_name = {_name_key(r.name): r for r in self.kecamatan.values()}
        self.desa_by_name: dict[str, list[Region]] = defaultdict(list)
        for r in self.desa.values():
            self.desa_by_name[_name_key(r.name)].append(r)

    def kecamatan_of(self, raw: str) -> Region:
        found = self.kecamatan.get(raw.strip()) or self.kecamatan_by_name.get(_name_key(raw))
        if found is None:
            raise Bad("kecamatan tidak dikenal di kabupaten ini. Tulis kode kecamatan "
                      "(mis. 35.13.20) atau namanya (mis. Tegalsiwalan).",
                      "unknown kecamatan in this regency. Write its code (e.g. 35.13.20) or "
                      "its name (e.g. Tegalsiwalan).")
        return found

    def desa_of(self, raw: str) -> Region:
        """A desa code, a desa name, or 'desa, kecamatan' when the name is not unique."""
        code = raw.strip()
        if code in self.desa:
            return self.desa[code]
        if code in self.kecamatan:
            raise Bad("ini kode kecamatan; lokasi kantor harus desa/kelurahan, mis. "
                      f"{code}.2001.",
                      f"this is a kecamatan code; the office location must be a desa or "
                      f"kelurahan, e.g. {code}.2001.")
        match = re.fullmatch(r"(.+?)\s*[,(]\s*(.+?)\)?", code)
        name, kecamatan = (match.group(1), match.group(2)) if match else (code, "")
        found = self.desa_by_name.get(_name_key(name), [])
        if kecamatan:
            found = [d for d in found
                     if _name_key(self.kecamatan[d.parent_id].name) == _name_key(kecamatan)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            places = "; ".join(f"{d.code} ({self.kecamatan[d.parent_id].name})" for d in found)
            raise Bad(f"nama desa ini ada di lebih dari satu kecamatan: {places}. Tulis kodenya "
                      "atau 'Desa, Kecamatan'.",
                      f"this desa name exists in more than one kecamatan: {places}. Write its "
                      "code or 'Desa, Kecamatan'.")
        raise Bad("desa/kelurahan tidak dikenal di kabupaten ini. Tulis kode desa (mis. "
                  "35.13.20.2001) atau nama desa (boleh 'Desa, Kecamatan').",
                  "unknown desa/kelurahan in this regency. Write the desa code (e.g. "
                  "35.13.20.2001) or its name ('Desa, Kecamatan' is accepted).")


class Agencies:
    """Known agencies by code, name and short name; unknown names are made when allowed."""

    def __init__(self, create: bool) -> None:
        self.create = create
        self.known = list(Agency.objects.order_by("name"))
        self.by_key: dict[str, Agency] = {}
        for agency in self.known:
            for text in (agency.code, agency.name, agency.short_name):
                if text:
                    self.by_key.setdefault(_key(text), agency)
        self.new: dict[str, Agency] = {}  # key -> unsaved Agency

    def of(self, raw: str) -> Agency:
        key = _key(raw)
        if not key:
            raise Bad("kosong.", "empty.")
        found = self.by_key.get(key) or self.new.get(key)
        if found is not None:
            return found
        if not self.create:
            names = ", ".join(a.short_name or a.name for a in self.known) or "—"
            raise Bad(f"instansi tidak dikenal. Instansi yang terdaftar: {names}. Tulis kode, "
                      "nama atau singkatannya, atau centang 'buat instansi baru'.",
                      f"unknown agency. Registered agencies: {names}. Write its code, name or "
                      "short name, or tick 'create new agencies'.")
        self.new[key] = Agency(code=self._free_code(raw), name=raw.strip()[:150])
        return self.new[key]

    def _free_code(self, name: str) -> str:
        taken = {a.code for a in self.known} | {a.code for a in self.new.values()}
        base = slugify(name)[:36] or "instansi"
        code, n = base, 1
        while code in taken:
            n += 1
            code = f"{base}-{n}"
        return code


# --- the rows ----------------------------------------------------------------------------------


@dataclass
class OfficialRow:
    row: int
    nip: str
    name: str
    position: str
    eselon: str
    agency: Agency
    base: Region
    kecamatan: Region | None
    role: str


@dataclass
class OfficialImport:
    """What an import did, or (with `problems`) why it did nothing."""

    file: str
    rows: int = 0
    added: list[str] = field(default_factory=list)  # NIPs
    changed: dict[str, list[str]] = field(default_factory=dict)  # NIP -> changed fields
    unchanged: int = 0
    teams: dict[str, dict[str, list[list[str]]]] = field(default_factory=dict)  # changed only
    agencies_created: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "rows": self.rows, "added": len(self.added),
                "changed": len(self.changed), "unchanged": self.unchanged,
                "teams": sorted(self.teams), "agencies_created": self.agencies_created,
                "problems": [p.message_en for p in self.problems]}


class _Rows:
    """Checks the rows of a sheet into OfficialRows, gathering every problem on the way."""

    def __init__(self, sheet: Sheet, agencies: Agencies, places: Places) -> None:
        self.sheet, self.agencies, self.places = sheet, agencies, places
        self.problems: list[Problem] = []

    def cell(self, cells: list[str], field_name: str) -> tuple[str, str]:
        position, header = self.sheet.columns.get(field_name, (-1, ""))
        return (cells[position] if 0 <= position < len(cells) else ""), header

    def bad(self, row: int, header: str, value: str, error: Bad) -> None:
        self.problems.append(_problem(self.sheet.file, row, header, value, error.message_id,
                                      error.message_en))

    def parse(self, row: int, cells: list[str]) -> OfficialRow | None:
        values: dict[str, Any] = {}
        checks = {"name": self._required, "nip": parse_nip, "position": self._required,
                  "eselon": parse_eselon, "agency": self.agencies.of,
                  "base": self.places.desa_of}
        for name, check in checks.items():
            raw, header = self.cell(cells, name)
            try:
                values[name] = check(self._required(raw))
            except Bad as error:
                self.bad(row, header, raw, error)
        values["kecamatan"], values["role"] = self._team(row, cells)
        if len(values) < len(checks) + 2:
            return None
        return OfficialRow(row=row, **values)

    @staticmethod
    def _required(raw: str) -> str:
        if not raw.strip():
            raise Bad("kosong; kolom ini wajib diisi.", "empty; this column is required.")
        if name_runs_as_formula(raw):  # names, positions and new agencies end in the reports
            raise Bad(NAME_FORMULA_ID, NAME_FORMULA_EN)
        return raw.strip()

    def _team(self, row: int, cells: list[str]) -> tuple[Region | None, str]:
        kecamatan_raw, kecamatan_header = self.cell(cells, "team_kecamatan")
        role_raw, role_header = self.cell(cells, "team_role")
        kecamatan, role = None, TeamRole.MEMBER
        try:
            kecamatan = self.places.kecamatan_of(kecamatan_raw) if kecamatan_raw else None
        except Bad as error:
            self.bad(row, kecamatan_header, kecamatan_raw, error)
        try:
            role = parse_role(role_raw) if role_raw else TeamRole.MEMBER
        except Bad as error:
            self.bad(row, role_header, role_raw, error)
        if role_raw and not kecamatan_raw:
            self.bad(row, kecamatan_header or "Kecamatan tim", "", Bad(
                "kosong, padahal peran tim diisi. Tulis kecamatan timnya atau kosongkan peran.",
                "empty while the team role is filled. Write the team's kecamatan or leave the "
                "role empty."))
        return kecamatan, role

    def check_together(self, rows: list[OfficialRow]) -> None:
        """A NIP once per file; each kecamatan the file names has exactly one koordinator."""
        file = self.sheet.file
        nip_header = self.sheet.columns["nip"][1]
        first: dict[str, int] = {}
        for r in rows:
            if r.nip in first:
                self.problems.append(_problem(
                    file, r.row, nip_header, r.nip,
                    f"NIP sama dengan baris {first[r.nip]}. Satu pejabat satu baris.",
                    f"same NIP as row {first[r.nip]}. One row per official."))
            first.setdefault(r.nip, r.row)
        header = self.sheet.columns.get("team_role", self.sheet.columns.get(
            "team_kecamatan", (0, "Peran tim")))[1]
        for kecamatan, team in _teams(rows).items():
            leads = [r.row for r in team if r.role == TeamRole.COORDINATOR]
            if len(leads) != 1:
                name = self.places.kecamatan[kecamatan].name
                rows_text = ", ".join(str(r.row) for r in team)
                found_id = (f"{len(leads)} koordinator (baris {', '.join(map(str, leads))})"
                            if leads else "tanpa koordinator")
                self.problems.append(_problem(
                    file, None, header, name,
                    f"tim Kecamatan {name} (baris {rows_text}) {found_id}. Berkas menetapkan "
                    "seluruh tim kecamatan yang disebutnya: tepat satu koordinator.",
                    f"the team of Kecamatan {name} (rows {rows_text}) has {len(leads)} "
                    "coordinators. The file sets the whole team of each kecamatan it names: "
                    "exactly one coordinator."))


def _teams(rows: Iterable[OfficialRow]) -> dict[str, list[OfficialRow]]:
    teams: dict[str, list[OfficialRow]] = defaultdict(list)
    for r in rows:
        if r.kecamatan is not None:
            teams[r.kecamatan.code].append(r)
    return dict(teams)


def _missing_columns(sheet: Sheet) -> list[Problem]:
    return [_problem(sheet.file, sheet.header_row, c.header, "",
                     "kolom wajib tidak ada di baris judul. Judul kolom yang diharapkan: "
                     + ", ".join(x.header for x in COLUMNS) + ".",
                     "required column missing from the header row. Expected headers: "
                     + ", ".join(x.header for x in COLUMNS) + ".")
            for c in COLUMNS if c.required and c.field not in sheet.columns]


# --- writing -----------------------------------------------------------------------------------

_FIELDS = ("name", "position", "eselon", "agency", "base")


def _save_officials(rows: list[OfficialRow], report: OfficialImport) -> dict[str, Official]:
    existing = {o.nip: o for o in Official.objects.filter(nip__in=[r.nip for r in rows])}
    saved: dict[str, Official] = {}
    for r in rows:
        official = existing.get(r.nip)
        if official is None:
            official = Official.objects.create(nip=r.nip, name=r.name, position=r.position,
                                               eselon=r.eselon, agency=r.agency, base=r.base)
            report.added.append(r.nip)
        else:
            changed = [f for f in _FIELDS if getattr(official, f) != getattr(r, f)]
            for f in changed:
                setattr(official, f, getattr(r, f))
            if changed:
                official.save(update_fields=changed)
                report.changed[r.nip] = changed
            else:
                report.unchanged += 1
        saved[r.nip] = official
    return saved


def _save_teams(rows: list[OfficialRow], officials: dict[str, Official],
                report: OfficialImport) -> None:
    for kecamatan, team in sorted(_teams(rows).items()):
        before = sorted([nip, role] for nip, role in TeamMember.objects.filter(
            kecamatan_id=kecamatan).values_list("official__nip", "role"))
        after = sorted([r.nip, r.role] for r in team)
        if before == after:
            continue
        TeamMember.objects.filter(kecamatan_id=kecamatan).delete()
        TeamMember.objects.bulk_create(
            TeamMember(kecamatan_id=kecamatan, official=officials[r.nip], role=r.role)
            for r in sorted(team, key=lambda r: r.role != TeamRole.COORDINATOR))
        report.teams[kecamatan] = {"before": before, "after": after}


def _write(rows: list[OfficialRow], agencies: Agencies, report: OfficialImport,
           actor: Any) -> None:
    with transaction.atomic():
        for agency in agencies.new.values():
            agency.save()
            report.agencies_created.append(agency.name)
        officials = _save_officials(rows, report)
        _save_teams(rows, officials, report)
        log_event("gesek.officials.imported", actor=actor,
                  area_code=getattr(actor, "area_id", "") or "",
                  data={**report.as_dict(), "added": report.added, "changed": report.changed,
                        "teams": report.teams})


# --- the entry point ---------------------------------------------------------------------------


@write_service(refused=lambda report: not report.ok)
def import_officials(path_or_file: Path | str | IO[bytes], *, actor: Any, file_name: str = "",
                     create_agencies: bool = False) -> OfficialImport:
    """Import the officials of an .xlsx or .csv list (see COLUMNS); all rows or none.

    Returns the report; when `report.problems` is not empty nothing was written. `actor` None
    is the command line (the demo); a web user must be the admin kabupaten.
    """
    if actor is not None and not roles.can_manage_gesek(actor):
        raise RuleError(_("Hanya admin kabupaten yang mengimpor daftar pejabat."))
    file_name = file_name or Path(str(getattr(path_or_file, "name", "") or path_or_file)).name
    report = OfficialImport(file=file_name)
    with tempfile.TemporaryDirectory(prefix="tepat-pejabat-") as workdir:
        try:
            sheet = read_officials_sheet(upload_as_path(path_or_file, file_name, Path(workdir)),
                                         file_name)
        except ReadError as error:
            report.problems.append(Problem(file_name, None, "", "", error.message_id,
                                           error.message_en))
            return report
    report.rows = len(sheet.rows)
    report.problems = _missing_columns(sheet)
    if report.problems:
        return report
    checker = _Rows(sheet, Agencies(create_agencies), Places())
    rows = [r for r in (checker.parse(n, cells) for n, cells in sheet.rows) if r is not None]
    if not checker.problems:
        checker.check_together(rows)
    report.problems = sorted(checker.problems, key=lambda p: (p.row is not None, p.row or 0))
    if report.ok:
        _write(rows, checker.agencies, report, actor)
    return report
