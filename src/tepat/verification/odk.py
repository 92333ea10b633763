"""Offline field collection with ODK Collect / KoboCollect (issue 3 §5).

`build_xlsform` writes the campaign's form for one desa as an XLSForm: the families the desa may
still edit are its choices, each named `v<verification id>_<version>` so that a submission says
which version of the family it was filled against. `import_submissions` reads the CSV export of
ODK Central or KoboToolbox back: every row is checked first (the same outcome rules as the web
form), the whole file is refused if one row is wrong, then everything is written in one
transaction through `services.save_verification`. A family changed since the export is a
conflict, reported and never overwritten; an instance imported before is skipped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from tepat.accounts import roles
from tepat.audit.models import AuditEvent
from tepat.core import spreadsheet
from tepat.core.identity import mask
from tepat.core.outcomes import DESA_EDITABLE, MAMPU_REASONS, OUTCOMES, Review, outcome_problems
from tepat.regions.models import Level, Region
from tepat.registry.clusters import families_with_repeats_in_desa
from tepat.registry.models import Family
from tepat.verification import services, stats
from tepat.verification.errors import Conflict, RuleError
from tepat.verification.models import Campaign, Verification

ID, EN = "Indonesian (id)", "English (en)"
# The services' audit events of a write carry the ODK instance id it came from.
IMPORTED_ACTIONS = ("verification.saved", "verification.submitted")
MAX_FILE_BYTES = 10 * 1024 * 1024

OUTCOME_EN = {
    "LAYAK": "Still eligible (remains a target)",
    "LAYAK_BERUBAH": "Still eligible, data/members changed",
    "MAMPU": "No longer poor / does not meet the criteria",
    "PINDAH": "Moved away",
    "MENINGGAL": "Died / household dissolved",
    "TIDAK_DITEMUKAN": "Not found at the address",
    "GANDA": "Duplicate record",
}
REASON_EN = {
    "ASN": "Became a civil servant (ASN/PPPK/TNI/Polri)",
    "PENGHASILAN": "Income is sufficient",
    "ASET": "Owns assets (vehicle, land, business, livestock)",
    "BANTUAN": "Basic needs already met",
    "LAINNYA": "Other (write in the note)",
}
EDITABLE_Q = Q(review="") | Q(review__in=[Review.DRAFT, Review.RETURNED])


# --- the XLSForm ------------------------------------------------------------------------------

SURVEY_COLUMNS = ("type", "name", f"label::{ID}", f"label::{EN}", f"hint::{ID}", f"hint::{EN}",
                  "required", f"required_message::{ID}", f"required_message::{EN}", "relevant",
                  "appearance", "parameters")


def _q(row: dict[str, str]) -> list[str]:
    return [row.get(column, "") for column in SURVEY_COLUMNS]


def _survey() -> list[list[str]]:
    need = {"required": "yes", f"required_message::{ID}": "Wajib diisi.",
            f"required_message::{EN}": "Required."}
    return [_q(row) for row in (
        {"type": "select_one keluarga", "name": "keluarga", "appearance": "autocomplete",
         f"label::{ID}": "Keluarga yang diverifikasi", f"label::{EN}": "Family verified",
         f"hint::{ID}": "Ketik nama kepala keluarga untuk mencari.",
         f"hint::{EN}": "Type the head's name to search.", **need},
        {"type": "select_one hasil", "name": "hasil", f"label::{ID}": "Hasil verifikasi",
         f"label::{EN}": "Verification outcome", **need},
        {"type": "select_one alasan", "name": "alasan", "relevant": "${hasil} = 'MAMPU'",
         f"label::{ID}": "Alasan sudah mampu", f"label::{EN}": "Why no longer eligible", **need},
        {"type": "text", "name": "tujuan", "relevant": "${hasil} = 'PINDAH'",
         f"label::{ID}": "Pindah ke mana (bila diketahui)",
         f"label::{EN}": "Moved where (if known)"},
        {"type": "select_one keluarga_ganda", "name": "duplikat", "appearance": "autocomplete",
         "relevant": "${hasil} = 'GANDA'", f"label::{ID}": "Keluarga yang diduplikasi",
         f"label::{EN}": "Family it duplicates", **need},
        {"type": "note", "name": "info_berubah", "relevant": "${hasil} = 'LAYAK_BERUBAH'",
         f"label::{ID}": "Perbaikan data/anggota keluarga diisi di aplikasi web Tepat; "
                         "hasil ini disimpan sebagai draf.",
         f"label::{EN}": "Corrections of the family or its members are made in the Tepat web "
                         "app; this outcome is saved as a draft."},
        {"type": "text", "name": "catatan", "appearance": "multiline",
         "required": "${alasan} = 'LAINNYA'",
         f"required_message::{ID}": "Alasan 'Lainnya' memerlukan catatan.",
         f"required_message::{EN}": "Reason 'other' needs a note.",
         f"label::{ID}": "Catatan", f"label::{EN}": "Note",
         f"hint::{ID}": "Wajib bila alasan 'Lainnya'.", f"hint::{EN}": "Required for 'Other'."},
        {"type": "begin_group", "name": "bukti", f"label::{ID}": "Bukti",
         f"label::{EN}": "Evidence"},
        {"type": "image", "name": "foto_rumah", "parameters": "max-pixels=1600",
         f"label::{ID}": "Foto rumah", f"label::{EN}": "Photo of the house"},
        {"type": "geopoint", "name": "lokasi", f"label::{ID}": "Lokasi (GPS)",
         f"label::{EN}": "Location (GPS)"},
        {"type": "end_group", "name": "bukti"},
    )]


def _family_label(family: Family, suffix: str = "") -> str:
    parts = [family.kepala_keluarga or "—", f"KK {mask(family.no_kk)}", family.alamat or ""]
    return " · ".join(p for p in parts if p) + suffix


def _family_choices(campaign: Campaign, desa_code: str) -> list[list[str]]:
    rows = (Verification.objects.for_area(desa_code).filter(campaign=campaign)
            .filter(EDITABLE_Q).select_related("family")
            .order_by("family__kepala_keluarga", "pk"))
    choices = []
    for v in rows:
        returned = " (dikembalikan / returned)" if v.review == Review.RETURNED else ""
        label = _family_label(v.family, returned)
        choices.append(["keluarga", f"v{v.pk}_{v.version}", label, label])
    return choices


def _duplicate_choices(desa_code: str) -> list[list[str]]:
    """The families of the desa a GANDA row may point to; those sharing a person (cluster)
    with another family of the desa first, marked "kemungkinan ganda" (the choices are the
    desa's, not one family's: the mark says "this one has a double somewhere here")."""
    families = Family.objects.for_area(desa_code).order_by("kepala_keluarga", "pk").only(
        "pk", "kepala_keluarga", "no_kk", "alamat", "source")
    likely = families_with_repeats_in_desa(desa_code)
    ordered = sorted(families, key=lambda f: f.pk not in likely)
    return [["keluarga_ganda", f"f{f.pk}", label + (" · kemungkinan ganda" if mark else ""),
             label + (" · possible duplicate" if mark else "")]
            for f in ordered
            for label, mark in [(_family_label(f, f" · {f.source.upper()}"), f.pk in likely)]]


def _fixed_choices() -> list[list[str]]:
    outcomes = [["hasil", code, o.label, OUTCOME_EN[code]] for code, o in OUTCOMES.items()]
    reasons = [["alasan", code, label, REASON_EN[code]] for code, label in MAMPU_REASONS.items()]
    return outcomes + reasons


def form_id(campaign: Campaign, desa_code: str) -> str:
    return f"tepat_verval_{campaign.pk}_{desa_code.replace('.', '')}"


def _desa(campaign: Campaign, desa_code: str) -> Region:
    desa = Region.objects.filter(code=desa_code, level=Level.DESA).first()
    if desa is None:
        raise RuleError(("desa", f"Desa {desa_code} tidak dikenal. / "
                                 f"Unknown desa {desa_code}."))
    if not Verification.objects.for_area(desa_code).filter(campaign=campaign).exists():
        raise RuleError(("desa", f"Desa {desa.name} ({desa_code}) tidak termasuk kampanye "
                                 f"{campaign.name}. / Desa {desa.name} is not in the campaign."))
    return desa


def _write_sheet(book: Any, name: str, rows: Iterable[Iterable[str]]) -> None:
    sheet = book.add_worksheet(name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, value)  # never a formula, whatever the text


def build_xlsform(campaign: Campaign, desa_code: str) -> bytes:
    """The XLSForm of one desa: only the families it may still edit, with their version."""
    if not campaign.is_open:
        raise RuleError(f"Kampanye {campaign.name} tidak sedang dibuka; formulir ODK tidak "
                        f"dibuat. / Campaign {campaign.name} is not open.")
    desa = _desa(campaign, desa_code)
    families = _family_choices(campaign, desa_code)
    if not families:
        raise RuleError(("desa", f"Tidak ada keluarga di Desa {desa.name} yang masih bisa "
                                 f"diverifikasi. / No family left to verify in {desa.name}."))
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    out = io.BytesIO()
    book = spreadsheet.workbook(out)
    _write_sheet(book, "survey", [SURVEY_COLUMNS, *_survey()])
    _write_sheet(book, "choices", [("list_name", "name", f"label::{ID}", f"label::{EN}"),
                                   *families, *_duplicate_choices(desa_code), *_fixed_choices()])
    _write_sheet(book, "settings", [
        ("form_title", "form_id", "version", "default_language", "instance_name"),
        (f"Verval {campaign.name} — {desa.kind_label} {desa.name}", form_id(campaign, desa_code),
         stamp, ID, "concat(jr:choice-name(${keluarga}, '${keluarga}'), ' — ', ${hasil})"),
    ])
    book.close()
    return out.getvalue()


def xlsform_filename(campaign: Campaign, desa_code: str) -> str:
    return f"{form_id(campaign, desa_code)}.xlsx"


def xlsform_command(campaign: Campaign, *, desa: str, out: str, stdout: Any) -> None:
    data = build_xlsform(campaign, desa)
    Path(out).write_bytes(data)
    count = (Verification.objects.for_area(desa).filter(campaign=campaign)
             .filter(EDITABLE_Q).count())
    stdout.write(f"Formulir ODK untuk desa {desa}: {count} keluarga, {len(data)} byte → {out}\n"
                 f"ODK form for desa {desa}: {count} families, written to {out}\n")


# --- reading an ODK Central / KoboToolbox CSV export ------------------------------------------

GEO_PARTS = {"latitude": "lokasi-lat", "longitude": "lokasi-lon"}
INSTANCE_KEYS = ("instanceID", "KEY", "_uuid")
TIME_KEYS = ("SubmissionDate", "_submission_time", "end")
FAMILY_VALUE = re.compile(r"^v(\d+)_(\d+)$")
DUPLICATE_VALUE = re.compile(r"^f?(\d+)$")
SIX_PLACES = Decimal("0.000001")
# The form's field of each field of `services.Findings` (for the services' problems).
COLUMNS = {"outcome": "hasil", "reason": "alasan", "note": "catatan", "duplicate_of": "duplikat",
           "destination": "tujuan", "corrections": "keluarga"}


@dataclass(frozen=True)
class Problem:
    """Why a file is refused: where (row, column) and what was expected, in both languages."""

    row: int | None
    column: str
    message_id: str
    message_en: str

    def text(self, file_name: str) -> str:
        where_id = f"Berkas {file_name}" + (f", baris {self.row}" if self.row else "")
        where_en = f"File {file_name}" + (f", row {self.row}" if self.row else "")
        if self.column:
            where_id += f", kolom '{self.column}'"
            where_en += f", column '{self.column}'"
        return f"{where_id}: {self.message_id} / {where_en}: {self.message_en}"


@dataclass(frozen=True)
class RowNote:
    """A row that was imported, skipped or in conflict, and what the operator should know."""

    row: int
    family: str
    message_id: str
    message_en: str = ""

    def text(self) -> str:
        english = f" / {self.message_en}" if self.message_en else ""
        return f"baris/row {self.row} — {self.family}: {self.message_id}{english}"


@dataclass
class ImportReport:
    file_name: str
    rows: int = 0
    imported: list[RowNote] = field(default_factory=list)
    skipped: list[RowNote] = field(default_factory=list)
    conflicts: list[RowNote] = field(default_factory=list)
    drafts: list[RowNote] = field(default_factory=list)  # must be completed on the web
    errors: list[Problem] = field(default_factory=list)
    photos_not_imported: int = 0

    @property
    def rejected(self) -> bool:
        return bool(self.errors)

    def error_texts(self) -> list[str]:
        return [p.text(self.file_name) for p in self.errors]

    def lines(self) -> Iterator[str]:
        if self.rejected:
            yield (f"Berkas {self.file_name} DITOLAK: {len(self.errors)} masalah, tidak ada data "
                   f"yang diubah. / File rejected: nothing was changed.")
            yield from (f"  {t}" for t in self.error_texts())
            return
        yield (f"Berkas {self.file_name}: {self.rows} baris; {len(self.imported)} diimpor, "
               f"{len(self.skipped)} dilewati, {len(self.conflicts)} konflik. / "
               f"{self.rows} rows; {len(self.imported)} imported, {len(self.skipped)} skipped, "
               f"{len(self.conflicts)} conflicts.")
        for title, notes in (("Diimpor / imported", self.imported),
                             ("Dilewati / skipped", self.skipped),
                             ("Konflik, tidak ditimpa / conflicts, not overwritten",
                              self.conflicts),
                             ("Draf, lengkapi di web / drafts, complete on the web",
                              self.drafts)):
            if notes:
                yield f"{title}:"
                yield from (f"  {n.text()}" for n in notes)
        if self.photos_not_imported:
            yield (f"{self.photos_not_imported} foto ada di media ODK, tidak diimpor. / "
                   f"{self.photos_not_imported} photos are in the ODK media, not imported.")


class FileRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _file_problem(message_id: str, message_en: str) -> FileRejected:
    return FileRejected([Problem(None, "", message_id, message_en)])


def _text(data: bytes) -> str:
    if data[:2] == b"PK":
        raise _file_problem("Berkas ini .xlsx/.zip; ekspor kiriman sebagai CSV.",
                            "This is an .xlsx/.zip file; export the submissions as CSV.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _file_problem(f"Berkas bukan UTF-8 (byte ke-{error.start + 1}).",
                            f"The file is not UTF-8 (byte {error.start + 1}).") from None


def _column_key(header: str) -> str:
    """The form field a column holds: `grp/outcome`, `grp-outcome` and `outcome` are the same;
    Central splits a geopoint into `lokasi-Latitude`…, Kobo adds `_lokasi_latitude`…"""
    parts = [p for p in re.split(r"[/-]", header.strip()) if p]
    if not parts:
        return ""
    last = parts[-1]
    if len(parts) >= 2 and parts[-2] == "lokasi" and last.lower() in GEO_PARTS:
        return GEO_PARTS[last.lower()]
    kobo = re.fullmatch(r"_?lokasi_(latitude|longitude)", last)
    return GEO_PARTS[kobo.group(1)] if kobo else last


@dataclass
class Table:
    headers: list[str]
    index: dict[str, int]  # field key -> column position
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)

    def get(self, cells: list[str], key: str) -> str:
        position = self.index.get(key)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    def header(self, key: str) -> str:
        position = self.index.get(key)
        return self.headers[position] if position is not None else key


def read_table(data: bytes) -> Table:
    text = _text(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records or not any(h.strip() for h in records[0]):
        raise _file_problem("Berkas kosong.", "The file is empty.")
    headers = [h.strip() for h in records[0]]
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        index.setdefault(_column_key(header), position)
    missing = [key for key in ("keluarga", "hasil") if key not in index]
    if missing:
        raise _file_problem(
            f"Kolom {', '.join(missing)} tidak ada; apakah ini ekspor CSV formulir Tepat? "
            f"Kolom yang ada: {', '.join(headers[:12])}.",
            f"Column(s) {', '.join(missing)} missing; is this a CSV export of the Tepat form?")
    rows = [(number, cells) for number, cells in enumerate(records[1:], start=2)
            if any(c.strip() for c in cells)]
    if not rows:
        raise _file_problem("Berkas tidak berisi kiriman.", "The file holds no submission.")
    return Table(headers, index, rows)


# --- checking the rows -------------------------------------------------------------------------


@dataclass
class Submission:
    """One row, decoded and checked, ready for `save_verification`."""

    row: int
    instance: str
    submitted_at: str  # as the server wrote it (ISO 8601: sorts as text)
    verification: Verification
    form_version: int
    findings: services.Findings
    submit: bool
    has_photo: bool

    @property
    def family_name(self) -> str:
        return self.verification.family.kepala_keluarga or "—"


def _instance(table: Table, cells: list[str]) -> str:
    for key in INSTANCE_KEYS:
        if value := table.get(cells, key):
            return value.removeprefix("uuid:")
    return ""


def _choice(value: str, codes: dict[str, str], english: dict[str, str]) -> str | None:
    """A choice by its code, or by its label (Kobo may export labels)."""
    if value in codes:
        return value
    by_label = {label.casefold(): code for code, label in codes.items()}
    by_label |= {label.casefold(): code for code, label in english.items()}
    return by_label.get(value.casefold())


def _coordinate(raw: str, limit: int) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) > limit:
        return None
    return value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def _gps(table: Table, cells: list[str]) -> tuple[Decimal | None, Decimal | None, str | None]:
    """(latitude, longitude, problem column) from "lat lon alt acc" or split columns."""
    combined = table.get(cells, "lokasi")
    if combined:
        parts = combined.split()
        lat_raw, lon_raw = (parts + ["", ""])[:2] if 2 <= len(parts) <= 4 else ("x", "x")
        column = "lokasi"
    else:
        lat_raw, lon_raw = table.get(cells, "lokasi-lat"), table.get(cells, "lokasi-lon")
        column = "lokasi-lat"
        if not lat_raw and not lon_raw:
            return None, None, None
    lat, lon = _coordinate(lat_raw, 90), _coordinate(lon_raw, 180)
    if lat is None or lon is None:
        return None, None, column
    return lat, lon, None


class RowChecker:
    """Decodes and checks the rows of one file against the campaign, collecting problems."""

    def __init__(self, campaign: Campaign, table: Table, actor: Any, submit: bool) -> None:
        self.campaign, self.table, self.actor, self.submit = campaign, table, actor, submit
        self.problems: list[Problem] = []
        self.skipped: list[RowNote] = []
        self.verifications = self._verifications()

    def _verifications(self) -> dict[int, Verification]:
        ids = {int(m.group(1)) for _n, cells in self.table.rows
               if (m := FAMILY_VALUE.match(self.table.get(cells, "keluarga")))}
        found = (Verification.objects.for_user(self.actor)
                 .filter(campaign=self.campaign, pk__in=ids)
                 .select_related("family", "updated_by", "reviewed_by")
                 .select_for_update(of=("self",)).order_by("pk"))
        return {v.pk: v for v in found}

    def problem(self, row: int, key: str, message_id: str, message_en: str) -> None:
        self.problems.append(Problem(row, self.table.header(key), message_id, message_en))

    def check_all(self) -> list[Submission]:
        checked = []
        for row, cells in self.table.rows:
            if (reason := self._review_refused(cells)) is not None:
                self.skipped.append(RowNote(row, "—", *reason))
                continue
            if (submission := self._check(row, cells)) is not None:
                checked.append(submission)
        return checked

    def _review_refused(self, cells: list[str]) -> tuple[str, str] | None:
        """Submissions the ODK server's reviewer rejected are not imported."""
        central = self.table.get(cells, "ReviewState").lower()
        kobo = self.table.get(cells, "_validation_status").lower()
        if central == "rejected" or kobo in ("validation_status_not_approved", "not approved"):
            return ("ditolak pemeriksa di server ODK, tidak diimpor",
                    "rejected by the reviewer on the ODK server, not imported")
        return None

    def _check(self, row: int, cells: list[str]) -> Submission | None:
        before = len(self.problems)
        decoded = self._family(row, cells)
        outcome = self._outcome(row, cells)
        gps = self._gps(row, cells)
        if decoded is None or outcome is None:
            return None
        v, form_version = decoded
        findings = self._findings(row, cells, v, outcome, gps)
        if len(self.problems) > before:
            return None
        berubah_without_fix = outcome == "LAYAK_BERUBAH" and not findings.corrections
        submitted_at = next((t for key in TIME_KEYS if (t := self.table.get(cells, key))), "")
        return Submission(row, _instance(self.table, cells), submitted_at, v, form_version,
                          findings, self.submit and not berubah_without_fix,
                          bool(self.table.get(cells, "foto_rumah")))

    def _gps(self, row: int, cells: list[str]) -> tuple[Decimal | None, Decimal | None]:
        lat, lon, bad_column = _gps(self.table, cells)
        if bad_column:
            self.problem(row, bad_column, "Lokasi GPS tidak terbaca; yang diharapkan "
                         "'lintang bujur [ketinggian akurasi]', mis. '-7.80 113.27 350 5'.",
                         "Unreadable GPS location; expected 'lat lon [alt acc]'.")
        return lat, lon

    def _family(self, row: int, cells: list[str]) -> tuple[Verification, int] | None:
        value = self.table.get(cells, "keluarga")
        match = FAMILY_VALUE.match(value)
        if match is None:
            self.problem(row, "keluarga", f"'{value}' bukan kode keluarga formulir (mis. v123_4); "
                         "ekspor CSV dengan nilai XML, bukan label.",
                         f"'{value}' is not a family code of the form (e.g. v123_4); export the "
                         "CSV with XML values, not labels.")
            return None
        v = self.verifications.get(int(match.group(1)))
        if v is None:
            self.problem(row, "keluarga", f"Keluarga {value} tidak ada di kampanye "
                         f"{self.campaign.name} atau di luar wilayah Anda.",
                         f"Family {value} is not in this campaign or outside your area.")
            return None
        return v, int(match.group(2))

    def _outcome(self, row: int, cells: list[str]) -> str | None:
        value = self.table.get(cells, "hasil")
        code = _choice(value, {c: o.label for c, o in OUTCOMES.items()}, OUTCOME_EN)
        if code is None:
            self.problem(row, "hasil", f"Hasil '{value}' tidak dikenal; yang diharapkan salah "
                         f"satu dari {', '.join(OUTCOMES)}.",
                         f"Unknown outcome '{value}'; expected one of {', '.join(OUTCOMES)}.")
        return code

    def _findings(self, row: int, cells: list[str], v: Verification, outcome: str,
                  gps: tuple[Decimal | None, Decimal | None]) -> services.Findings:
        get = self.table.get
        reason = ""
        if outcome == "MAMPU" and (raw := get(cells, "alasan")):
            reason = _choice(raw, MAMPU_REASONS, REASON_EN) or raw
        lat, lon = gps
        findings = services.Findings(
            outcome=outcome, reason=reason, note=get(cells, "catatan"),
            destination=get(cells, "tujuan") if outcome == "PINDAH" else "",
            duplicate_of=self._duplicate(row, cells, v) if outcome == "GANDA" else None,
            corrections=list(v.corrections or []), latitude=lat, longitude=lon)
        self._rules(row, findings, duplicate_given=bool(get(cells, "duplikat")))
        if len(findings.destination) > 200:
            self.problem(row, "tujuan", "Tujuan pindah lebih dari 200 huruf.",
                         "The destination is longer than 200 characters.")
        return findings

    def _duplicate(self, row: int, cells: list[str], v: Verification) -> int | None:
        """The family of `duplikat`, by the web form's rule (`services.may_duplicate`); one
        message whether the id is unknown, the family itself or outside the desa."""
        value = self.table.get(cells, "duplikat")
        if not value:
            return None  # reported by the outcome rules
        match = DUPLICATE_VALUE.match(value)
        family_id = int(match.group(1)) if match else None
        if not services.may_duplicate(v, family_id):
            self.problem(row, "duplikat", f"'{value}': {services.DUPLICATE_REFUSED} (kode f123 "
                         "dari formulir)", f"'{value}': {services.DUPLICATE_REFUSED_EN} (code "
                         "f123 from the form)")
            return None
        return family_id

    def _rules(self, row: int, findings: services.Findings, *, duplicate_given: bool) -> None:
        for p in outcome_problems(findings.outcome, reason=findings.reason, note=findings.note,
                                  duplicate_of=findings.duplicate_of,
                                  corrections=len(findings.corrections)):
            if p.code == "CORRECTIONS_MISSING":
                continue  # corrections are made on the web: the row becomes a draft
            if p.code == "DUPLICATE_MISSING" and duplicate_given:
                continue  # an unknown family was given: reported by `_duplicate`
            if p.code == "REASON_MISSING" and findings.reason:
                self.problem(row, "alasan", f"Alasan '{findings.reason}' tidak dikenal; yang "
                             f"diharapkan salah satu dari {', '.join(MAMPU_REASONS)}.",
                             f"Unknown reason '{findings.reason}'.")
                continue
            self.problem(row, COLUMNS.get(p.field, p.field), p.message_id, p.message_en)


# --- conflicts, repeats, and writing -----------------------------------------------------------


def _last_change(v: Verification) -> tuple[str, str]:
    """Who changed the verification last, and when (the desa's save or the kecamatan's review)."""
    changes = [(at, by) for at, by in ((v.updated_at, v.updated_by), (v.reviewed_at,
                                                                        v.reviewed_by)) if at]
    if not changes:
        return "pengguna lain / another user", "—"
    at, by = max(changes, key=lambda change: change[0])
    who = (by.get_full_name() or by.username) if by else "pengguna lain / another user"
    return who, date_format(timezone.localtime(at), "DATETIME_FORMAT")


def _same_values(v: Verification, findings: services.Findings) -> bool:
    outcome = findings.outcome
    if outcome == "LAYAK" and v.corrections:
        outcome = "LAYAK_BERUBAH"
    same = (v.outcome == outcome and v.note == findings.note
            and v.reason == (findings.reason if outcome == "MAMPU" else "")
            and v.destination == findings.destination
            and v.duplicate_of_id == (findings.duplicate_of if outcome == "GANDA" else None))
    if findings.latitude is not None:
        same = same and (v.latitude, v.longitude) == (findings.latitude, findings.longitude)
    return same


def _imported_instances(instances: Iterable[str]) -> set[str]:
    wanted = [i for i in instances if i]
    if not wanted:
        return set()
    return set(AuditEvent.objects.filter(action__in=IMPORTED_ACTIONS,
                                         data__odk_instance__in=wanted)
               .values_list("data__odk_instance", flat=True))


def _conflict_note(s: Submission, message_id: str, message_en: str) -> RowNote:
    return RowNote(s.row, s.family_name, message_id, message_en)


def _sort_out(submissions: list[Submission], report: ImportReport) -> list[Submission]:
    """The rows to write: not imported before, not repeated, not changed since the export."""
    done = _imported_instances(s.instance for s in submissions)
    latest: dict[int, Submission] = {}
    for s in submissions:
        if s.instance and s.instance in done:
            report.skipped.append(_conflict_note(s, "sudah diimpor sebelumnya",
                                                 "already imported"))
            continue
        if s.instance:
            done.add(s.instance)
        earlier = latest.get(s.verification.pk)
        if earlier is not None:
            older, newer = sorted((earlier, s), key=lambda x: (x.submitted_at, x.row))
            report.conflicts.append(_conflict_note(
                older, f"keluarga ini dikirim lagi di baris {newer.row}; kiriman yang lebih "
                "baru yang dipakai", f"sent again in row {newer.row}; the later submission "
                "is used"))
            s = newer
        latest[s.verification.pk] = s
    return [s for s in latest.values() if not _stale(s, report)]


def _stale(s: Submission, report: ImportReport) -> bool:
    v = s.verification
    if v.version == s.form_version and (v.review or None) in DESA_EDITABLE:
        return False
    if _same_values(v, s.findings) and v.source == "odk":
        report.skipped.append(_conflict_note(s, "sudah diimpor sebelumnya (data sama)",
                                             "already imported (same values)"))
        return True
    who, when = _last_change(v)
    state = v.get_review_display() or "—"
    report.conflicts.append(_conflict_note(
        s, f"sudah diubah oleh {who} pada {when} setelah formulir diunduh (status: {state}); "
        "tidak ditimpa — periksa di web", f"changed by {who} at {when} after the form was "
        "downloaded; not overwritten — check it on the web"))
    return True


def _apply(campaign: Campaign, ready: list[Submission], report: ImportReport, actor: Any) -> None:
    """Write the rows (inside the import's transaction) and record each instance imported."""
    with stats.deferred(campaign):  # the desa's tallies once at the end, not once per row
        for s in sorted(ready, key=lambda s: s.row):
            _apply_one(campaign, s, report, actor)


def _apply_one(campaign: Campaign, s: Submission, report: ImportReport, actor: Any) -> None:
    try:
        v = services.save_verification(
            s.verification.pk, s.findings, actor=actor, expected_version=s.form_version,
            submit=s.submit, channel="odk", audit_extra={
                "odk_instance": s.instance, "file": report.file_name, "row": s.row,
                "form_version": s.form_version})
    except Conflict as conflict:  # not expected: the rows are locked since the check
        report.conflicts.append(_conflict_note(
            s, f"{conflict}; tidak ditimpa", "changed meanwhile; not overwritten"))
        return
    except RuleError as error:  # a rule the checks above do not know: refuse all
        raise FileRejected([
            Problem(s.row, COLUMNS.get(name, name), message,
                    "refused by the verification rules (see the Indonesian text)")
            for name, message in error.problems]) from error
    _report_written(s, v, report)


def _report_written(s: Submission, v: Verification, report: ImportReport) -> None:
    state = "dikirim ke kecamatan" if v.review == Review.SUBMITTED else "draf"
    report.imported.append(RowNote(s.row, s.family_name, f"{OUTCOMES[v.outcome].label} "
                                   f"({state})", f"{OUTCOME_EN[v.outcome]} ({v.review.lower()})"))
    if v.outcome == "LAYAK_BERUBAH" and not v.corrections:
        report.drafts.append(RowNote(
            s.row, s.family_name, "isi perbaikan data/anggota di web, lalu kirim",
            "enter the corrections of the data/members on the web, then submit"))
    report.photos_not_imported += s.has_photo


def _refuse_early(campaign: Campaign, actor: Any) -> None:
    if not roles.can_verify(actor):
        raise RuleError("Peran Anda tidak boleh mengimpor hasil verifikasi. / "
                        "Your role may not import verification results.")
    if not campaign.is_open:
        raise RuleError(f"Kampanye {campaign.name} tidak sedang dibuka; kiriman tidak bisa "
                        f"diimpor. / Campaign {campaign.name} is not open.")


def _read(source: str | Path | IO[bytes]) -> tuple[bytes, str]:
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise _file_problem("Berkas tidak ditemukan.", "File not found.")
        return path.read_bytes()[:MAX_FILE_BYTES + 1], path.name
    return source.read(MAX_FILE_BYTES + 1), Path(getattr(source, "name", "") or "kiriman.csv").name


def import_submissions(campaign: Campaign, path: str | Path | IO[bytes], *, actor: Any,
                       submit: bool = False) -> ImportReport:
    """Import an ODK Central / KoboToolbox CSV export; all rows or none (see the module doc)."""
    _refuse_early(campaign, actor)
    name = Path(str(path)).name if isinstance(path, str | Path) else "kiriman.csv"
    report = ImportReport(file_name=name)
    try:
        data, report.file_name = _read(path)
        if len(data) > MAX_FILE_BYTES:
            raise _file_problem("Berkas lebih dari 10 MB.", "The file is larger than 10 MB.")
        table = read_table(data)
        report.rows = len(table.rows)
        # One transaction: the families are locked while their rows are checked, so the
        # checks still hold when the rows are written.
        with transaction.atomic():
            checker = RowChecker(campaign, table, actor, submit)
            submissions = checker.check_all()
            if checker.problems:
                raise FileRejected(checker.problems)
            report.skipped += checker.skipped
            _apply(campaign, _sort_out(submissions, report), report, actor)
    except FileRejected as rejected:
        # Nothing was written: only the problems are worth reading.
        report.errors = rejected.problems
        report.imported, report.skipped, report.conflicts, report.drafts = [], [], [], []
        report.photos_not_imported = 0
    return report


def import_command(campaign: Campaign, path: str, *, username: str, submit: bool,
                   stdout: Any) -> ImportReport:
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(username=username, is_active=True).first()
    if actor is None:
        raise RuleError(f"Pengguna '{username}' tidak ada atau tidak aktif. / "
                        f"User '{username}' does not exist or is inactive.")
    report = import_submissions(campaign, path, actor=actor, submit=submit)
    for line in report.lines():
        stdout.write(line + "\n")
    if report.rejected:
        raise RuleError(f"Berkas {report.file_name} ditolak; tidak ada data yang diubah. / "
                        f"File {report.file_name} rejected; nothing was changed.")
    return report
