"""The family list as a file (issue 19 §6): the rows the list shows with its filters, as xlsx
or csv, for a stated purpose, logged.

NIK and No. KK are masked unless the user's role may reveal them and they asked for the full
numbers: then the export counts as one reveal against the per-user limit (`audit.reveals`),
and is refused over it. Either way the export writes an access event (the purpose, for the
access log and its digest) and an audit event `registry.family_list.exported` with the
filters, the row count, the format and whether the numbers were full. Names go through
`core.spreadsheet`: a hostile name stays text. The search term is never logged as typed: a
number only masked.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from tepat.audit.reveals import Purpose, Refused, reveal
from tepat.audit.services import ONE_IF_CHANGED, log_access, log_event, write_service
from tepat.core.identity import mask
from tepat.core.spreadsheet import csv_writer, workbook
from tepat.pipeline.messages import flag_message
from tepat.registry.models import Family

EXPORTED = "registry.family_list.exported"
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# What the file reads from each family (and its regions' names).
EXPORT_COLUMNS = (
    "id", "kecamatan__name", "desa__name", "kepala_keluarga", "nik", "no_kk", "alamat",
    "desil", "member_count", "flags", "absent_since_id",
)
Info = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class FamilyExport:
    content: bytes
    rows: int
    fmt: str

    @property
    def content_type(self) -> str:
        return FORMATS[self.fmt]


def _flag_texts(codes: str, english: bool) -> str:
    texts = []
    for code in (c for c in codes.split(",") if c):
        try:
            text_id, text_en = flag_message(code)
        except KeyError:
            text_id = text_en = code
        texts.append(text_en if english else text_id)
    return "; ".join(texts)


def _headers() -> list[str]:
    return [_("No."), _("Kecamatan"), _("Desa/kelurahan"), _("Kepala keluarga"),
            _("NIK kepala keluarga"), _("No. KK"), _("Alamat"), _("Desil"), _("Anggota (jiwa)"),
            _("Catatan data"), _("Tidak ada di edisi terbaru")]


def _lines(families: Iterable[dict[str, Any]], full: bool, english: bool
           ) -> Iterable[list[object]]:
    number = (lambda n: n or "") if full else mask
    for n, f in enumerate(families, start=1):
        yield [n, f["kecamatan__name"], f["desa__name"], f["kepala_keluarga"],
               number(f["nik"]), number(f["no_kk"]), f["alamat"],
               "" if f["desil"] is None else f["desil"], f["member_count"],
               _flag_texts(f["flags"], english), _("ya") if f["absent_since_id"] else ""]


def _xlsx(lines: Iterable[list[object]], info: Info) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    book = workbook(buffer, constant_memory=True)
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("Keluarga"))
    for col, title in enumerate(_headers()):
        sheet.write_string(0, col, title, bold)
    count = 0
    for count, line in enumerate(lines, start=1):
        sheet.write_row(count, 0, line)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(count, 1), len(_headers()) - 1)
    about = book.add_worksheet(_("Keterangan"))
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 70)
    for row, (label, value) in enumerate(info):
        about.write_string(row, 0, label, bold)
        about.write_string(row, 1, value)
    book.close()
    return buffer.getvalue(), count


def _csv(lines: Iterable[list[object]]) -> tuple[bytes, int]:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(_headers())
    count = 0
    for line in lines:
        writer.writerow(line)
        count += 1
    return ("\ufeff" + out.getvalue()).encode("utf-8"), count  # BOM: Excel reads it as UTF-8


def write_family_file(families: models.QuerySet[Family], fmt: str, *, full_numbers: bool,
                      info: Info, english: bool = False) -> tuple[bytes, int]:
    """The file's bytes and its number of rows (the families' order is kept)."""
    rows = families.values(*EXPORT_COLUMNS).iterator(chunk_size=5000)
    lines = _lines(rows, full_numbers, english)
    return _xlsx(lines, info) if fmt == "xlsx" else _csv(lines)


@write_service(ONE_IF_CHANGED)  # the export's event; a refused full-number export: the reveal
def export_families(actor: Any, families: models.QuerySet[Family], *, fmt: str,  # limit's
                    purpose: Purpose, filters: dict[str, str], area: models.Model,  # own, once
                    full_numbers: bool = False, info: Info = (), english: bool = False,
                    ) -> FamilyExport | Refused:
    """The file of `families` (already scoped and filtered), logged; `area` is the region the
    export is of (the access log's object). Refused when full numbers are over the limit."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    content, rows = write_family_file(families, fmt, full_numbers=full_numbers, info=info,
                                      english=english)
    with transaction.atomic():
        if full_numbers:
            refused = reveal(actor, area, purpose)
            if refused is not None:
                return refused
        log_access(actor=actor, action="export", obj=area, purpose=purpose.text,
                   purpose_code=purpose.code)
        log_event(EXPORTED, actor=actor, obj=area, area_code=getattr(actor, "area_id", "") or "",
                  data={"filters": filters, "rows": rows, "format": fmt,
                        "nik_kk": "full" if full_numbers else "masked",
                        "purpose_code": purpose.code})
    return FamilyExport(content, rows, fmt)
