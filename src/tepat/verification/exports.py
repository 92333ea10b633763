"""Excel files of a target list and of the difference between two lists (XlsxWriter).

The first sheet holds the rows under one header row, so it can be filtered or read back as is;
the second says what the file is (list, decree, area, who exported it, for what). A No. KK is
always masked: the file leaves the system, the audit log does not follow it.
Written row by row (`constant_memory`): 150k entries take ~36 MB and ~12 s. Through
`tepat.core.spreadsheet.workbook`: a name like `=HYPERLINK(…)` stays text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from tepat.core.identity import mask
from tepat.core.outcomes import OUTCOMES
from tepat.core.spreadsheet import workbook
from tepat.regions.models import Region
from tepat.verification.diff import Row
from tepat.verification.labels import outcome_label
from tepat.verification.models import TargetListEntry

Info = Sequence[tuple[str, str]]


def entry_status(outcome: str) -> str:
    """What an entry's outcome means on the list."""
    if outcome == "USULAN":
        return _("Usulan baru (disetujui)")
    if outcome in OUTCOMES:
        return outcome_label(outcome)
    return _("Belum diverifikasi (dibawa dari daftar sebelumnya)")


def change_label(change: str) -> str:
    return {"added": _("Masuk daftar"), "removed": _("Keluar dari daftar"),
            "changed": _("Data berubah")}.get(change, change)


def region_names() -> dict[str, str]:
    """Names of the kecamatan and desa of the instance (a few hundred rows)."""
    return dict(Region.objects.filter(level__in=["kecamatan", "desa"])
                .values_list("code", "name"))


class _Book:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        # constant_memory flushes each row to a temporary file (150k rows: ~36 MB of memory,
        # against ~290 MB with in_memory, which would switch it off).
        self.book = workbook(self.buffer, constant_memory=True)
        self.header = self.book.add_format({"bold": True, "bg_color": "#E3F1EF",
                                            "border": 1, "text_wrap": True})
        self.bold = self.book.add_format({"bold": True})

    def table(self, name: str, columns: Sequence[tuple[str, int]],
              rows: Iterable[Sequence[object]]) -> int:
        sheet = self.book.add_worksheet(name)
        for col, (title, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, title, self.header)
        sheet.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            sheet.write_row(count, 0, row)
        sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
        return count

    def info(self, name: str, info: Info) -> None:
        sheet = self.book.add_worksheet(name)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 70)
        for row, (label, value) in enumerate(info):
            sheet.write_string(row, 0, label, self.bold)
            sheet.write_string(row, 1, value)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def target_list_xlsx(entries: Iterable[TargetListEntry], *, info: Info) -> bytes:
    """The entries (already scoped to the reader's area), one row each, KK masked."""
    names = region_names()
    columns = [
        (_("No."), 7), (_("Kecamatan"), 18), (_("Desa/kelurahan"), 20),
        (_("Kepala keluarga"), 28), (_("No. KK (disamarkan)"), 20),
        (_("Jiwa"), 7), (_("Desil"), 7), (_("Status verifikasi"), 38),
    ]
    rows = (
        (n, names.get(e.kecamatan_id, e.kecamatan_id), names.get(e.desa_id, e.desa_id),
         e.kepala_keluarga, mask(e.no_kk), e.jiwa, e.desil if e.desil is not None else "",
         entry_status(e.outcome))
        for n, e in enumerate(entries, start=1)
    )
    book = _Book()
    book.table(_("Daftar sasaran"), columns, rows)
    book.info(_("Keterangan"), info)
    return book.close()


def diff_xlsx(rows: Sequence[Row], *, info: Info) -> bytes:
    """The differences between two lists, KK masked."""
    names = region_names()
    columns = [
        (_("Perubahan"), 18), (_("Kecamatan"), 18), (_("Desa/kelurahan"), 20),
        (_("Kepala keluarga"), 28), (_("No. KK (disamarkan)"), 20),
        (_("Jiwa sebelum"), 10), (_("Jiwa sesudah"), 10), (_("Alasan / keterangan"), 48),
    ]
    lines = (
        (change_label(r.change), names.get(r.kecamatan_id, r.kecamatan_id),
         names.get(r.desa_id, r.desa_id), r.kepala_keluarga, mask(r.no_kk),
         "" if r.jiwa_before is None else r.jiwa_before,
         "" if r.jiwa_after is None else r.jiwa_after, r.reason)
        for r in rows
    )
    book = _Book()
    book.table(_("Perubahan"), columns, lines)
    book.info(_("Keterangan"), info)
    return book.close()
