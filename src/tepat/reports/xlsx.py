"""Excel workbooks of the rakor pack and the quarterly report (XlsxWriter): one sheet per table.

Each sheet: a title (row 1), a status line (row 2), the column names (row 4) and their units
(row 5: keluarga, jiwa, %, Rp …), data from row 6. Counts are written as numbers with a grouped
format, rates as numbers with two decimals: a spreadsheet can add them up again. The workbook is
`tepat.core.spreadsheet.workbook`: a programme's or campaign's name is text, never a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from tepat.core.spreadsheet import workbook
from tepat.reports.pack import RakorPack
from tepat.reports.quarterly import AidTable, QuarterlyPack
from tepat.reports.templatetags.tepat_reports import UNIT_LABELS

FIRST_ROW = 5  # zero-based: data start on the sixth row


@dataclass(frozen=True)
class Column:
    header: str
    unit: str = ""  # keluarga, jiwa, % keluarga, Rp …
    kind: str = "count"  # text, count, pct, ratio, rp
    width: int = 13


class _Book:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.workbook = workbook(self.buffer)
        w = self.workbook
        self.title = w.add_format({"bold": True, "font_size": 13})
        self.meta = w.add_format({"italic": True, "font_color": "#5b676b"})
        self.head = w.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                  "bottom": 1, "bg_color": "#e3f1ef"})
        self.formats = {
            "count": w.add_format({"num_format": "#,##0"}),
            "rp": w.add_format({"num_format": "#,##0"}),
            "pct": w.add_format({"num_format": "0.00"}),
            "ratio": w.add_format({"num_format": "0.00"}),
            "text": w.add_format({"text_wrap": False}),
        }
        self.bold = w.add_format({"bold": True})

    def sheet(self, name: str, title: str, status: str, columns: Sequence[Column],
              rows: Iterable[Sequence[Any]], total: Sequence[Any] | None = None) -> None:
        sheet = self.workbook.add_worksheet(name[:31])
        sheet.write(0, 0, title, self.title)
        sheet.write(1, 0, status, self.meta)
        for col, c in enumerate(columns):
            sheet.write(3, col, c.header, self.head)
            sheet.write(4, col, c.unit or "—", self.head)
            sheet.set_column(col, col, c.width)
        sheet.freeze_panes(FIRST_ROW, 0)
        row = FIRST_ROW
        for values in rows:
            self._row(sheet, row, columns, values)
            row += 1
        if total is not None:
            self._row(sheet, row, columns, total)
            sheet.set_row(row, None, self.bold)

    def _row(self, sheet: Any, row: int, columns: Sequence[Column],
             values: Sequence[Any]) -> None:
        for col, (c, value) in enumerate(zip(columns, values, strict=True)):
            if value is None or value == "":
                continue
            if c.kind == "text" or isinstance(value, str):
                sheet.write_string(row, col, str(value), self.formats["text"])
            else:
                sheet.write_number(row, col, value, self.formats[c.kind])

    def pairs(self, name: str, title: str, status: str,
              pairs: Iterable[tuple[str, Any, Any, str]]) -> None:
        """A sheet of (measure, keluarga, jiwa, note) lines: the summary."""
        columns = [Column(_("Ukuran"), "", "text", 52), Column(_("Keluarga"), "keluarga"),
                   Column(_("Jiwa"), "jiwa"), Column(_("Keterangan"), "", "text", 60)]
        self.sheet(name, title, status, columns, [list(p) for p in pairs])

    def close(self) -> bytes:
        self.workbook.close()
        return self.buffer.getvalue()


def _k(units: Any) -> list[int]:
    return [units.keluarga, units.jiwa]


# --- rakor ------------------------------------------------------------------------------------


def rakor_xlsx(pack: RakorPack) -> bytes:
    with translation.override("id"):
        return _rakor(pack)


def _rakor(pack: RakorPack) -> bytes:
    book = _Book()
    c = pack.summary.campaign
    status = (_("Angka penurunan SEMENTARA: masih ada keluarga yang belum diverifikasi atau "
                "kampanye belum difinalkan") if c and c.provisional else _("Angka final"))
    status = f"{pack.region_name} · {pack.generated_at:%Y-%m-%d %H:%M} · {status}"
    book.pairs(_("Ringkasan"), pack.title, status, _summary_lines(pack))
    book.sheet(_("Indikator"), _("Indikator kemiskinan dan target"), status, [
        Column(_("Indikator"), "", "text", 34), Column(_("Wilayah"), "", "text", 22),
        Column(_("Tahun"), "", "count", 7), Column(_("Nilai"), "", "pct", 10),
        Column(_("Satuan"), "", "text", 16), Column(_("Garis kemiskinan"), "", "text", 26),
        Column(_("Perubahan dari tahun sebelumnya"), "pp dan % relatif", "text", 30),
        Column(_("Sumber"), "", "text", 40), Column(_("Catatan"), "", "text", 20),
    ], [[t.title, t.region, p.year, p.value, UNIT_LABELS.get(p.unit, p.unit), p.line, p.change,
         p.source, p.flags] for t in pack.indicators for p in t.points])
    reduction = _("Penurunan") + (" " + _("(sementara)") if c and c.provisional else "")
    kec_columns = [
        Column(_("Peringkat"), "", "count", 9), Column(_("Kode"), "", "text", 10),
        Column(_("Kecamatan"), "", "text", 20),
        Column(_("Sasaran awal"), "keluarga"), Column(_("Sasaran awal"), "jiwa"),
        Column(_("Terverifikasi"), "keluarga"), Column(_("Terverifikasi"), "jiwa"),
        Column(_("Progres"), "% keluarga", "pct"), Column(_("Progres"), "% jiwa", "pct"),
        Column(_("Dikeluarkan"), "keluarga"), Column(_("Dikeluarkan"), "jiwa"),
        Column(reduction, "% keluarga", "pct"), Column(reduction, "% jiwa", "pct"),
        Column(_("Tetap sasaran"), "keluarga"), Column(_("Tetap sasaran"), "jiwa"),
        Column(_("Tertinggal jadwal"), "", "text", 10), Column(_("Desa tertinggal"), "desa"),
    ]

    def kec(r: Any, rank: Any) -> list[Any]:
        return [rank, r.code, r.name, *_k(r.in_scope), *_k(r.verified),
                r.progress_pct_keluarga, r.progress_pct_jiwa, *_k(r.removed),
                r.reduction_pct_keluarga, r.reduction_pct_jiwa, *_k(r.still_target),
                _("ya") if r.behind else _("tidak"), r.behind_desa]

    total = pack.kecamatan_total
    book.sheet(_("Kecamatan"), _("Progres verifikasi dan penurunan data per kecamatan"), status,
               kec_columns, [kec(r, r.rank) for r in pack.kecamatan],
               kec(total, "") if total else None)
    book.sheet(_("Gesek"), _("Status Gesek Ekstrem per tim kecamatan"), status, [
        Column(_("Kode"), "", "text", 10), Column(_("Kecamatan"), "", "text", 20),
        Column(_("Koordinator"), "", "text", 28), Column(_("Anggota tim"), "pejabat"),
        Column(_("Sasaran"), "keluarga"), Column(_("Sasaran"), "jiwa"),
        Column(_("Punya pendamping"), "keluarga"),
        Column(_("Dikunjungi"), "keluarga"), Column(_("Dikunjungi"), "jiwa"),
        Column(_("Terlayani (≥ 1 intervensi)"), "keluarga"), Column(_("Terlayani"), "jiwa"),
        Column(_("Terlayani"), "% keluarga", "pct"),
        Column(_("Tanpa intervensi"), "keluarga"), Column(_("Kebutuhan terbuka"), "kebutuhan"),
    ], [[t.code, t.name, t.coordinator, t.team_size, *_k(t.targets), t.assigned,
         *_k(t.visited), *_k(t.served), t.served_pct_keluarga, t.no_intervention.keluarga,
         t.open_needs] for t in pack.teams])
    book.pairs(_("Intervensi"), _("Cakupan intervensi dan bantuan ganda"), status,
               _coverage_lines(pack))
    book.sheet(_("Program"), _("Ketepatan sasaran per program"), status, [
        Column(_("Program"), "", "text", 28), Column(_("OPD"), "", "text", 12),
        Column(_("Jenis bantuan"), "", "text", 20), Column(_("Strategi"), "", "text", 26),
        Column(_("Sumber dana"), "", "text", 14), Column(_("Tahun"), "", "count", 7),
        Column(_("Penerima"), "keluarga"), Column(_("Penerima"), "jiwa"),
        Column(_("Di luar daftar"), "keluarga"),
        Column(_("Inclusion error"), "%", "pct"), Column(_("Membutuhkan"), "keluarga"),
        Column(_("Membutuhkan, tidak dilayani"), "keluarga"),
        Column(_("Exclusion error"), "%", "pct"), Column(_("Indeks CGH"), "", "ratio"),
        Column(_("Nilai tersalur"), "Rp", "rp", 16), Column(_("Pagu"), "Rp", "rp", 16),
        Column(_("Nilai ke keluarga sasaran"), "% Rp", "pct"),
        Column(_("Peringatan"), "", "text", 16),
    ], [[p.name, p.agency, p.kind, p.strategy, p.funding, p.year, *_k(p.beneficiaries),
         p.off_list.keluarga, p.inclusion_error_pct, p.needing.keluarga,
         p.needing_unserved.keluarga, p.exclusion_error_pct, p.cgh_index, p.amount, p.budget,
         p.budget_to_targets_pct, _("melebihi pagu") if p.over_budget else ""]
        for p in pack.programmes])
    book.sheet(_("Desa terlambat"), _("Desa tertinggal jadwal"), pack.behind_rule, [
        Column(_("Kecamatan"), "", "text", 20), Column(_("Kode desa"), "", "text", 15),
        Column(_("Desa/kelurahan"), "", "text", 22),
        Column(_("Sasaran awal"), "keluarga"), Column(_("Terverifikasi"), "keluarga"),
        Column(_("Progres"), "% keluarga", "pct"), Column(_("Diharapkan"), "%", "pct"),
        Column(_("Keterangan"), "", "text", 14),
    ], [[d.kecamatan, d.code, d.name, d.in_scope.keluarga, d.verified.keluarga,
         d.progress_pct_keluarga, d.expected_pct,
         _("belum mulai") if d.not_started else _("tertinggal")] for d in pack.behind])
    return book.close()


def _summary_lines(pack: RakorPack) -> list[tuple[str, Any, Any, str]]:
    s, c = pack.summary, pack.summary.campaign
    lines: list[tuple[str, Any, Any, str]] = []
    for h in s.headlines:
        value = "—" if h.latest is None else f"{h.latest:.2f} ({h.latest_year})"
        lines.append((f"{h.label} — {h.region} ({h.unit})", None, None,
                      f"{value}; {h.change}" if h.change else value))
    if c:
        state = c.status
        lines += [
            (_("Kampanye: %(name)s") % {"name": c.name}, None, None, f"{c.state} · {state}"),
            (_("Sasaran awal (baseline)"), *_k(c.in_scope), ""),
            (_("Terverifikasi"), *_k(c.verified), ""),
            (_("Progres (%)"), c.progress_pct_keluarga, c.progress_pct_jiwa, "%"),
            (_("Dikeluarkan dari daftar"), *_k(c.removed), ""),
            (_("Penurunan data (%)"), c.reduction_pct_keluarga, c.reduction_pct_jiwa,
             f"% · {state}"),
            (_("Tetap sasaran"), *_k(c.still_target), ""),
            (_("Belum diverifikasi"), *_k(c.pending), ""),
            (_("Usulan baru (dihitung terpisah)"), *_k(c.proposed), ""),
            (_("Desa tertinggal jadwal atau belum mulai"), s.behind_desa, None, "desa"),
        ]
    if s.gesek:
        g = s.gesek
        lines += [
            (_("Tim Gesek Ekstrem"), g.teams, None, _("tim kecamatan; %(n)s pejabat")
             % {"n": g.officials}),
            (_("Keluarga sasaran dengan pendamping"), g.assigned, None, ""),
            (_("Dikunjungi"), *_k(g.visited), ""),
            (_("Terlayani (≥ 1 intervensi)"), *_k(g.served), ""),
            (_("Kebutuhan masih terbuka"), None, None, f"{g.open_needs} kebutuhan"),
        ]
    lines += [(note, None, None, "") for note in pack.notes]
    return lines


def _coverage_lines(pack: RakorPack) -> list[tuple[str, Any, Any, str]]:
    v = pack.summary.coverage
    if v is None:
        return []
    return [
        (_("Daftar sasaran"), None, None, f"{v.target_list} — SK {v.sk_number}, {v.sk_date}"),
        (_("Keluarga sasaran"), *_k(v.targets), ""),
        (_("Dikunjungi pendamping"), *_k(v.visited), ""),
        (_("Terlayani (≥ 1 intervensi tersalurkan)"), *_k(v.served), ""),
        (_("Terlayani (%)"), v.served_pct_keluarga, v.served_pct_jiwa, "%"),
        (_("Tanpa intervensi"), *_k(v.no_intervention), ""),
        (_("Bantuan ganda"), *_k(v.double_aid), _("jenis sama, tahun sama, OPD atau sumber "
                                                  "dana berbeda")),
        (_("Dengan kebutuhan tercatat"), *_k(v.with_needs), ""),
        (_("Semua kebutuhan terpenuhi"), *_k(v.needs_met), ""),
        (_("Kebutuhan masih terbuka"), None, None, f"{v.open_needs} kebutuhan"),
    ]


# --- quarterly --------------------------------------------------------------------------------


def quarterly_xlsx(pack: QuarterlyPack) -> bytes:
    with translation.override("id"):
        return _quarterly(pack)


def _aid_columns(head: str) -> list[Column]:
    return [Column(head, "", "text", 30), Column(_("Keluarga terjangkau"), "keluarga"),
            Column(_("Jiwa terjangkau"), "jiwa"),
            Column(_("Di antaranya keluarga sasaran"), "keluarga"),
            Column(_("Intervensi"), "intervensi"), Column(_("Nilai"), "Rp", "rp", 18)]


def _aid_rows(rows: Iterable[Any]) -> list[list[Any]]:
    return [[r.label, *_k(r.reached), r.reached_targets, r.interventions, r.amount]
            for r in rows]


def _aid_sheets(book: _Book, name: str, title: str, status: str, table: AidTable) -> None:
    total = _aid_rows([table.total])[0]
    book.sheet(f"{name} strategi", f"{title} — " + _("per strategi"), status,
               _aid_columns(_("Strategi")), _aid_rows(table.by_strategy), total)
    book.sheet(f"{name} dana", f"{title} — " + _("per sumber dana"), status,
               _aid_columns(_("Sumber dana")), _aid_rows(table.by_funding), total)


def _quarterly(pack: QuarterlyPack) -> bytes:
    book = _Book()
    q = pack.quarter
    status = (f"{pack.region_name} · {q.label} ({q.start} – {q.end}) · "
              f"{pack.generated_at:%Y-%m-%d %H:%M}")
    tl = pack.target_list
    last = pack.results[-1] if pack.results else None
    lines: list[tuple[str, Any, Any, str]] = []
    if tl:
        lines.append((_("Daftar sasaran yang berlaku"), *_k(tl.total),
                      f"{tl.name} — SK {tl.sk_number}, {tl.sk_date}"))
    lines += [
        (_("Intervensi dalam triwulan: keluarga terjangkau"),
         *_k(pack.quarter_aid.total.reached), f"{pack.quarter_aid.total.interventions} "
         f"intervensi, Rp {pack.quarter_aid.total.amount:,}"),
        (_("Kumulatif sejak 1 Januari: keluarga terjangkau"), *_k(pack.year_aid.total.reached),
         f"{pack.year_aid.total.interventions} intervensi, Rp {pack.year_aid.total.amount:,}"),
    ]
    if last:
        lines += [(_("Keluarga sasaran terlayani sampai akhir triwulan"), *_k(last.served), ""),
                  (_("Keluarga sasaran belum tersentuh intervensi"),
                   *_k(last.without_intervention), "")]
    lines.append((pack.attachment_note, None, None, ""))
    lines += [(note, None, None, "") for note in pack.notes]
    book.pairs(_("Ringkasan"), pack.title, status, lines)
    book.sheet(_("Daftar sasaran"), _("Daftar sasaran yang berlaku per kecamatan"), status, [
        Column(_("Kode"), "", "text", 10), Column(_("Kecamatan"), "", "text", 22),
        Column(_("Sasaran"), "keluarga"), Column(_("Sasaran"), "jiwa"),
    ], [[k.code, k.name, *_k(k.targets)] for k in (tl.kecamatan if tl else ())],
        ["", _("Jumlah"), *_k(tl.total)] if tl else None)
    _aid_sheets(book, _("Triwulan"), _("Intervensi dalam triwulan"), status, pack.quarter_aid)
    _aid_sheets(book, _("Kumulatif"), _("Intervensi sejak 1 Januari"), status, pack.year_aid)
    b = pack.budget_total
    book.sheet(_("Anggaran"), _("Anggaran program: pagu dan realisasi"), status, [
        Column(_("Program"), "", "text", 28), Column(_("OPD"), "", "text", 14),
        Column(_("Strategi"), "", "text", 26), Column(_("Sumber dana"), "", "text", 14),
        Column(_("Pagu"), "Rp", "rp", 16), Column(_("Tersalur dalam triwulan"), "Rp", "rp", 16),
        Column(_("Tersalur sejak 1 Januari"), "Rp", "rp", 16),
        Column(_("Realisasi"), "% pagu", "pct"), Column(_("Keluarga terjangkau"), "keluarga"),
    ], [[r.programme, r.agency, r.strategy, r.funding, r.budget, r.delivered_quarter,
         r.delivered_year, r.realisation_pct, r.families_year] for r in pack.budget],
        [b.programme, "", "", "", b.budget, b.delivered_quarter, b.delivered_year,
         b.realisation_pct, None])
    book.sheet(_("Hasil"), _("Hasil per triwulan"), status, [
        Column(_("Triwulan"), "", "text", 10), Column(_("Nama"), "", "text", 24),
        Column(_("Terlayani (kumulatif)"), "keluarga"), Column(_("Terlayani"), "jiwa"),
        Column(_("Terlayani"), "% keluarga", "pct"),
        Column(_("Menerima intervensi dalam triwulan"), "keluarga"),
        Column(_("Kebutuhan terpenuhi (kumulatif)"), "kebutuhan"),
        Column(_("Belum tersentuh intervensi"), "keluarga"),
        Column(_("Belum tersentuh intervensi"), "jiwa"),
    ], [[r.quarter, r.label, *_k(r.served), r.served_pct_keluarga,
         r.served_in_quarter.keluarga, r.needs_met, *_k(r.without_intervention)]
        for r in pack.results])
    return book.close()
