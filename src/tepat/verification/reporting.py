"""Progress and list shrink of a campaign (issue 3 §4): figures per kabupaten, kecamatan and
desa with their names, the kecamatan ranking, the schedule and the desa behind it, the daily
series; and the same as JSON, a fixed-width table and an Excel workbook.

Every count and rate comes from the pre-aggregated tallies (`CampaignStat`, kept by
`tepat.verification.stats` on every write) through `figures_from_tallies` of
`tepat.core.measures`, the one implementation of DESIGN.md §4; larger areas add up the tallies
of their desa. Two memos keep the regency page fast: an area's tallies are read again only when
its tally stamp moves, and figures are remembered by their tallies (a pure function). The only
figure made here is the schedule's expected progress, not a metric of §4 but a deadline rule:

    expected_progress_pct = days elapsed since opens_on / days from opens_on to closes_on × 100

An area is *behind schedule* when its progress (keluarga) is below that; an area with families
in scope and nothing verified yet has *not started*.
"""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import IO, Any

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tepat.core import spreadsheet
from tepat.core.measures import CampaignFigures, Tally, Units, figures_from_tallies, percent
from tepat.core.outcomes import OUTCOMES
from tepat.regions.models import Region
from tepat.verification import stats
from tepat.verification.labels import outcome_label
from tepat.verification.models import Campaign, CampaignStat

KABUPATEN, KECAMATAN, DESA = "kabupaten", "kecamatan", "desa"
LEVELS = (KABUPATEN, KECAMATAN, DESA)

BEHIND_RULE_FORMULA = (
    "behind_schedule = progress_pct_keluarga < expected_progress_pct, "
    "expected_progress_pct = days_elapsed / days_total * 100 (linear from opens_on to closes_on)"
)
BEHIND_RULE = gettext_lazy(
    "Tertinggal jadwal: progres (keluarga) di bawah progres yang diharapkan bila verifikasi "
    "berjalan rata dari tanggal buka sampai tanggal tutup, yaitu hari berjalan ÷ lama "
    "kampanye × 100. Belum mulai: belum ada satu keluarga pun yang dikirim desa."
)

# The counts of CampaignFigures.as_dict, in its order, with what a table calls them.
COUNT_LABELS: dict[str, Any] = {
    "in_scope": gettext_lazy("Sasaran awal (baseline)"),
    "pending": gettext_lazy("Belum diverifikasi"),
    "verified": gettext_lazy("Terverifikasi (sudah dikirim desa)"),
    "submitted": gettext_lazy("Menunggu pemeriksaan kecamatan"),
    "approved": gettext_lazy("Disetujui kecamatan"),
    "still_target": gettext_lazy("Tetap sasaran"),
    "removed": gettext_lazy("Dikeluarkan dari daftar"),
    "proposed": gettext_lazy("Usulan baru (dihitung terpisah)"),
    "proposed_approved": gettext_lazy("Usulan baru disetujui"),
}
RATE_LABELS: dict[str, Any] = {
    "progress_pct": gettext_lazy("Progres"),
    "reduction_pct": gettext_lazy("Penurunan data"),
}


def label_of(field: str) -> str:
    """The Indonesian name of an `as_dict` field without its unit ('removed_jiwa' → …)."""
    base = field.removesuffix("_keluarga").removesuffix("_jiwa")
    if base in COUNT_LABELS:
        return str(COUNT_LABELS[base])
    if base in RATE_LABELS:
        return str(RATE_LABELS[base])
    if base.startswith("outcome_") and base[8:].upper() in OUTCOMES:
        return _("Hasil: %(label)s") % {"label": outcome_label(base[8:].upper())}
    if base == "provisional":
        return _("Sementara")
    return base


def unit_of(field: str) -> str:
    """What a field counts: 'keluarga', 'jiwa', '% keluarga', '% jiwa' or '' (yes/no)."""
    unit = "keluarga" if field.endswith("_keluarga") else "jiwa" if field.endswith("_jiwa") else ""
    return f"% {unit}" if "_pct_" in field else unit


# --- the schedule -------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    today: date
    opens_on: date
    closes_on: date
    finalize_by: date

    @property
    def days_total(self) -> int:
        return (self.closes_on - self.opens_on).days

    @property
    def days_elapsed(self) -> int:
        return min(max((self.today - self.opens_on).days, 0), max(self.days_total, 0))

    @property
    def days_left(self) -> int:
        """Days to the closing date; negative once it has passed."""
        return (self.closes_on - self.today).days

    @property
    def days_to_finalize(self) -> int:
        return (self.finalize_by - self.today).days

    @property
    def expected_pct(self) -> float:
        """Linear progress from 0 % on opens_on to 100 % on closes_on."""
        if self.days_total <= 0:
            return 100.0 if self.today >= self.closes_on else 0.0
        return self.days_elapsed / self.days_total * 100

    @property
    def started(self) -> bool:
        return self.today >= self.opens_on

    def is_behind(self, figures: CampaignFigures) -> bool:
        pct = figures.progress_pct_keluarga
        return pct is not None and pct < self.expected_pct


def schedule_of(campaign: Campaign, today: date | None = None) -> Schedule:
    return Schedule(today or timezone.localdate(), campaign.opens_on, campaign.closes_on,
                    campaign.finalize_by)


# --- rows of figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    level: str
    figures: CampaignFigures
    behind: bool
    parent_code: str | None = None
    parent_name: str | None = None

    @property
    def not_started(self) -> bool:
        return self.figures.in_scope.keluarga > 0 and self.figures.verified.keluarga == 0

    def as_dict(self) -> dict[str, object]:
        """area_code, area_name, level, every field of CampaignFigures.as_dict, the schedule."""
        return {
            "area_code": self.code,
            "area_name": self.name,
            "level": self.level,
            "parent_code": self.parent_code,
            "parent_name": self.parent_name,
            **self.figures.as_dict(),
            "behind_schedule": self.behind,
            "not_started": self.not_started,
        }


def area_filter(area_code: str | None) -> dict[str, str]:
    """The CampaignStat filter of an area (DESIGN.md §5): a kabupaten (or province) holds the
    kecamatan under its code, a kecamatan itself, a desa itself; None means no limit."""
    if not area_code:
        return {}
    depth = area_code.count(".")
    if depth <= 1:
        return {"kecamatan__code__startswith": area_code + "."}
    if depth == 2:
        return {"kecamatan_id": area_code}
    # the kecamatan too: the (campaign, kecamatan, desa) index then finds the desa's rows
    return {"kecamatan_id": parent_of(area_code), "desa_id": area_code}


def parent_of(code: str) -> str:
    return code.rsplit(".", 1)[0]


def region_names(codes: Iterable[str]) -> dict[str, str]:
    codes = set(codes)
    found = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return {code: found.get(code, code) for code in codes}


def level_of(code: str) -> str:
    return {2: KECAMATAN, 3: DESA}.get(code.count("."), KABUPATEN)


# A tally as a plain tuple (outcome, review, keluarga, jiwa): the fields of `Tally`. Tuples of
# plain values drop out of the garbage collector's lists, so the thousands of them kept between
# requests cost nothing at collection time; `Tally` objects are made only to compute figures.
RawTally = tuple[str | None, str | None, int, int]
Tallies = tuple[tuple[RawTally, ...], tuple[RawTally, ...]]  # (baseline, proposals)


def merge_tallies(groups: Iterable[Tallies]) -> Tallies:
    """The tallies of several areas as those of their union: counts added per outcome and
    review state (what `stats.figures` gets from SQL's SUM over a larger area)."""
    sums: tuple[dict, dict] = ({}, {})
    for group in groups:
        for side, tallies in zip(sums, group, strict=True):
            for outcome, review, k, j in tallies:
                old_k, old_j = side.get((outcome, review), (0, 0))
                side[(outcome, review)] = (old_k + k, old_j + j)
    base, props = (_sorted((o, r, k, j) for (o, r), (k, j) in side.items()) for side in sums)
    return base, props


def _sorted(tallies: Iterable[RawTally]) -> tuple[RawTally, ...]:
    """In a fixed order, so that equal tallies make equal keys for the figures' memo."""
    return tuple(sorted(tallies, key=lambda t: (t[0] or "", t[1] or "")))


@lru_cache(maxsize=2048)  # ~360 areas a campaign (desa, kecamatan, regency), a few states
def _figures(baseline: tuple[RawTally, ...], proposals: tuple[RawTally, ...],
             finalized: bool) -> CampaignFigures:
    """`figures_from_tallies`, remembered. Figures are a pure function of the tallies, and a
    write changes the tallies of one desa: the regency page recomputes that desa, its
    kecamatan and the total, and reuses the figures of the other ~330 desa."""
    return figures_from_tallies([Tally(*t) for t in baseline],
                                proposals=[Tally(*t) for t in proposals], finalized=finalized)


@dataclass(frozen=True)
class _Snapshot:
    """An area's desa tallies as read at one stamp (shared between requests: never mutated)."""

    desa: dict[str, Tallies]
    kecamatan_of: dict[str, str]
    names: dict[str, str]


_SNAPSHOTS: OrderedDict[tuple, tuple[tuple[int, int], _Snapshot]] = OrderedDict()
_SNAPSHOTS_KEPT = 64
_SNAPSHOTS_LOCK = threading.Lock()


def tally_stamp(campaign: Campaign, area_code: str | None) -> tuple[int, int]:
    """(count, sum of ids) of the area's CampaignStat rows: one indexed aggregate that moves
    with every committed change. `stats.refresh_desa` and `stats.rebuild` only ever delete
    rows and insert new ones, and a new row's id is larger than that of any row it replaces:
    when the count stays the same the sum grows, so no change leaves the stamp as it was."""
    stamp = CampaignStat.objects.filter(campaign=campaign, **area_filter(area_code)).aggregate(
        n=Count("id"), s=Sum("id"))
    return stamp["n"], stamp["s"] or 0


def _read_snapshot(campaign: Campaign, area_code: str | None) -> _Snapshot:
    # One tally per row, no GROUP BY: CampaignStat holds one row per desa, outcome and review
    # state already (and figures_from_tallies adds up tallies of the same kind anyway).
    rows = (CampaignStat.objects.filter(campaign=campaign, **area_filter(area_code))
            .values_list("desa_id", "kecamatan_id", "proposal", "outcome", "review",
                         "keluarga", "jiwa").order_by())
    sides: dict[str, tuple[list[RawTally], list[RawTally]]] = {}
    kecamatan_of: dict[str, str] = {}
    for desa, kecamatan, proposal, outcome, review, k, j in rows.iterator(chunk_size=2000):
        if desa not in sides:
            sides[desa], kecamatan_of[desa] = ([], []), kecamatan
        sides[desa][1 if proposal else 0].append((outcome or None, review or None, k, j))
    desa_tallies: dict[str, Tallies] = {
        desa: (_sorted(base), _sorted(props)) for desa, (base, props) in sides.items()
    }
    kecamatan = set(kecamatan_of.values())
    codes = {*desa_tallies, *kecamatan, *map(parent_of, kecamatan)}
    if area_code:
        codes |= {area_code, parent_of(area_code)}
    names = region_names(codes | set(map(parent_of, codes)))
    return _Snapshot(desa_tallies, kecamatan_of, names)


def _snapshot(campaign: Campaign, area_code: str | None) -> tuple[tuple, _Snapshot]:
    """The area's tallies, read again only when its stamp has moved. One snapshot per area
    is kept (the last), so stale ones never pile up for the garbage collector to walk."""
    # opened_at: a test database reuses ids after each rollback, a campaign's pk included
    area = (campaign.pk, campaign.opened_at, area_code)
    stamp = tally_stamp(campaign, area_code)
    with _SNAPSHOTS_LOCK:
        kept = _SNAPSHOTS.get(area)
        if kept is not None and kept[0] == stamp:
            _SNAPSHOTS.move_to_end(area)
            return (*area, stamp), kept[1]
    snapshot = _read_snapshot(campaign, area_code)
    with _SNAPSHOTS_LOCK:
        _SNAPSHOTS[area] = (stamp, snapshot)
        _SNAPSHOTS.move_to_end(area)
        while len(_SNAPSHOTS) > _SNAPSHOTS_KEPT:
            _SNAPSHOTS.popitem(last=False)
    return (*area, stamp), snapshot


class ProgressReport:
    """The figures of an area at every level inside it, from one read of its desa tallies.

    The progress pages need the regency, its kecamatan and every desa (for the desa behind
    schedule): one read of `CampaignStat` rows by desa (kept while the area's tally stamp does
    not move), the larger areas' tallies added up from the desa's, each area's figures from
    `figures_from_tallies` (DESIGN.md §4)."""

    def __init__(self, campaign: Campaign, area_code: str | None = None, *,
                 schedule: Schedule | None = None, today: date | None = None) -> None:
        self.campaign, self.area_code = campaign, area_code
        self.schedule = schedule or schedule_of(campaign, today)
        self.key, snapshot = _snapshot(campaign, area_code)
        self.desa, self.kecamatan_of = snapshot.desa, snapshot.kecamatan_of
        self.names = snapshot.names
        self._rows: dict[str, list[AreaRow]] = {}

    def fingerprint(self) -> tuple:
        """What the report's figures come from (the tally stamp of the area), hashable."""
        return self.key, self.campaign.is_finalized

    def _tallies_by(self, level: str) -> dict[str, Tallies]:
        if level == DESA:
            return self.desa
        parent = {KECAMATAN: lambda d: self.kecamatan_of[d],
                  KABUPATEN: lambda d: parent_of(self.kecamatan_of[d])}[level]
        groups: dict[str, list[Tallies]] = {}
        for desa, tallies in self.desa.items():
            groups.setdefault(parent(desa), []).append(tallies)
        return {code: merge_tallies(group) for code, group in groups.items()}

    def _row(self, code: str, level: str, tallies: Tallies) -> AreaRow:
        figures = _figures(tallies[0], tallies[1], self.campaign.is_finalized)
        parent = parent_of(code)
        return AreaRow(code=code, name=self.names.get(code, code), level=level,
                       figures=figures,
                       behind=self.schedule.started and self.schedule.is_behind(figures),
                       parent_code=parent, parent_name=self.names.get(parent, parent))

    def rows(self, level: str) -> list[AreaRow]:
        """Every kabupaten, kecamatan or desa of the area, ordered by code."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        if level not in self._rows:
            self._rows[level] = [self._row(code, level, tallies) for code, tallies in
                                 sorted(self._tallies_by(level).items())]
        return self._rows[level]

    def total(self) -> AreaRow:
        """The area itself as one row (an area with nothing in scope has empty figures)."""
        code = self.area_code or min(map(parent_of, self.kecamatan_of.values()), default="")
        return self._row(code, level_of(code), merge_tallies(self.desa.values()))


def area_rows(campaign: Campaign, level: str, *, area_code: str | None = None,
              today: date | None = None, schedule: Schedule | None = None) -> list[AreaRow]:
    """Figures per kabupaten, kecamatan or desa inside an area (None: the whole campaign),
    ordered by code, each with its name, its parent's and whether it is behind schedule."""
    return ProgressReport(campaign, area_code, schedule=schedule, today=today).rows(level)


def total_row(campaign: Campaign, area_code: str, *, schedule: Schedule) -> AreaRow:
    """The figures of one area (a kabupaten, kecamatan or desa) as a single row."""
    return ProgressReport(campaign, area_code, schedule=schedule).total()


def _pct_key(value: float | None, missing: float) -> float:
    return missing if value is None else value


def ranked_by_reduction(rows: Sequence[AreaRow]) -> list[AreaRow]:
    """Highest reduction (keluarga) first, like the founding article's table."""
    return sorted(rows, key=lambda r: (-_pct_key(r.figures.reduction_pct_keluarga, -1.0),
                                       r.name))


def ranked_by_slowest(rows: Sequence[AreaRow]) -> list[AreaRow]:
    """Slowest progress (keluarga) first."""
    return sorted(rows, key=lambda r: (_pct_key(r.figures.progress_pct_keluarga, 101.0),
                                       r.name))


def behind_schedule(rows: Iterable[AreaRow]) -> list[AreaRow]:
    """The rows behind schedule or not started, slowest first."""
    return ranked_by_slowest([r for r in rows if r.behind or r.not_started])


# --- the daily series ---------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    in_scope: Units
    verified: Units
    removed: Units

    @property
    def progress_pct_keluarga(self) -> float | None:
        return percent(self.verified.keluarga, self.in_scope.keluarga)

    @property
    def progress_pct_jiwa(self) -> float | None:
        return percent(self.verified.jiwa, self.in_scope.jiwa)

    @property
    def reduction_pct_keluarga(self) -> float | None:
        return percent(self.removed.keluarga, self.in_scope.keluarga)

    @property
    def reduction_pct_jiwa(self) -> float | None:
        return percent(self.removed.jiwa, self.in_scope.jiwa)


def daily(campaign: Campaign, area_code: str | None = None) -> list[Day]:
    """Daily totals of a kabupaten or kecamatan (DailyProgress is kept per kecamatan)."""
    area = area_filter(area_code)
    if "desa_id" in area:
        raise ValueError("the daily series is kept per kecamatan, not per desa")
    return [
        Day(p.day, Units(p.in_scope_keluarga, p.in_scope_jiwa),
            Units(p.verified_keluarga, p.verified_jiwa), Units(p.removed_keluarga, p.removed_jiwa))
        for p in stats.history(campaign, **area)
    ]


# --- the command line ---------------------------------------------------------------------


def campaign_meta(campaign: Campaign, schedule: Schedule) -> dict[str, object]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "period": campaign.period,
        "source": campaign.source,
        "desil": campaign.desil_list,
        "state": campaign.state,
        "opens_on": campaign.opens_on.isoformat(),
        "closes_on": campaign.closes_on.isoformat(),
        "finalize_by": campaign.finalize_by.isoformat(),
        "baseline_keluarga": campaign.baseline_keluarga,
        "baseline_jiwa": campaign.baseline_jiwa,
        "today": schedule.today.isoformat(),
        "days_total": schedule.days_total,
        "days_elapsed": schedule.days_elapsed,
        "days_left": schedule.days_left,
        "days_to_finalize": schedule.days_to_finalize,
        "expected_progress_pct": schedule.expected_pct,
        "behind_schedule_rule": BEHIND_RULE_FORMULA,
    }


def progress_json(campaign: Campaign, level: str, *, today: date | None = None) -> str:
    """{"campaign": {…}, "level": …, "rows": [{…}, …]}, one row per line: readable, and
    written by json's C encoder (`indent` would switch to the pure-Python one, 5× slower)."""
    schedule = schedule_of(campaign, today)
    rows = area_rows(campaign, level, schedule=schedule)

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ",\n  ".join(dump(row.as_dict()) for row in rows)
    return (f'{{"campaign": {dump(campaign_meta(campaign, schedule))},\n'
            f' "level": {dump(level)},\n "rows": [\n  {lines}\n]}}')


# (group, field prefix, width) of the text table; each group has a keluarga and a jiwa column.
TABLE_GROUPS = (
    ("in_scope", 9), ("pending", 9), ("verified", 9), ("progress_pct", 7),
    ("removed", 9), ("reduction_pct", 7), ("still_target", 9), ("proposed", 7),
)


def _cell(value: object, width: int) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, float):
        text = f"{value:.2f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return text.rjust(width)


def progress_table(campaign: Campaign, level: str, *, today: date | None = None) -> str:
    """A fixed-width table: one line per area, each figure in keluarga and in jiwa."""
    schedule = schedule_of(campaign, today)
    rows = [row.as_dict() for row in area_rows(campaign, level, schedule=schedule)]
    name_w = max([len("area_name"), *(len(str(r["area_name"])) for r in rows)])
    code_w = max([len("area_code"), *(len(str(r["area_code"])) for r in rows)])
    lead = f"{'area_code'.ljust(code_w)}  {'area_name'.ljust(name_w)}"
    groups = "".join(f"  {name.center(2 * w + 1)}" for name, w in TABLE_GROUPS)
    units = "".join(f"  {'keluarga'.rjust(w)} {'jiwa'.rjust(w)}" for _, w in TABLE_GROUPS)
    lines = [
        f"Kampanye / campaign #{campaign.pk}: {campaign.name} ({campaign.state}), "
        f"{campaign.opens_on} .. {campaign.closes_on}, finalize_by {campaign.finalize_by}",
        f"today {schedule.today}: days_left {schedule.days_left}, days_to_finalize "
        f"{schedule.days_to_finalize}, expected_progress_pct {schedule.expected_pct:.2f}",
        "Satuan / units: keluarga = families, jiwa = persons; *_pct in per cent; "
        "reduction_pct marked * is provisional (sementara)",
        "",
        f"{' ' * len(lead)}{groups}  flags",
        f"{lead}{units}",
    ]
    for r in rows:
        cells = []
        for name, w in TABLE_GROUPS:
            for unit in ("keluarga", "jiwa"):
                value = r[f"{name}_{unit}"]
                text = _cell(value, w - 1 if name == "reduction_pct" else w)
                if name == "reduction_pct":
                    text += "*" if r["provisional"] and value is not None else " "
                cells.append(text)
        flags = ",".join(f for f in ("behind_schedule", "not_started") if r[f])
        lines.append(f"{str(r['area_code']).ljust(code_w)}  {str(r['area_name']).ljust(name_w)}"
                     + "".join(f"  {a} {b}" for a, b in zip(cells[::2], cells[1::2], strict=True))
                     + f"  {flags}")
    return "\n".join(lines) + "\n"


def progress_command(campaign: Campaign, *, by: str, fmt: str, out: IO[str],
                     today: date | None = None) -> None:
    """`tepat campaign progress [CAMPAIGN] --by kabupaten|kecamatan|desa --format json|table`."""
    text = progress_json(campaign, by, today=today) if fmt == "json" else progress_table(
        campaign, by, today=today)
    out.write(text if text.endswith("\n") else text + "\n")


# --- Excel ----------------------------------------------------------------------------------


class _Sheets:
    """Header rows that say what each column is, in which unit, and whether it is provisional."""

    WARN = ({}, {"bg_color": "#fdf3dc"})

    def __init__(self, workbook: Any, campaign: Campaign, schedule: Schedule,
                 provisional: bool) -> None:
        self.workbook, self.campaign, self.schedule = workbook, campaign, schedule
        self.provisional = provisional
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.head = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                         "bottom": 1, "bg_color": "#e3f1ef"})
        self.meta = workbook.add_format({"italic": True, "font_color": "#5b676b"})
        # (plain, highlighted) formats: rows behind schedule get a background
        self.pct = [workbook.add_format({"num_format": "0.00", **w}) for w in self.WARN]
        self.count = [workbook.add_format({"num_format": "#,##0", **w}) for w in self.WARN]
        self.text = [None, workbook.add_format(self.WARN[1])]
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.yes, self.no = _("ya"), _("tidak")

    def status(self) -> str:
        return (_("SEMENTARA: penurunan data belum final (masih ada yang belum diverifikasi "
                  "atau kampanye belum difinalkan)") if self.provisional
                else _("Final"))

    def header(self, sheet: Any, title: str, fields: Sequence[str],
               labels: Sequence[str], units: Sequence[str]) -> int:
        sheet.write(0, 0, f"{self.campaign.name} — {title}", self.title)
        sheet.write(1, 0, self.status(), self.meta)
        sheet.write(2, 0, _("Baris 4: nama kolom; baris 5: satuan (keluarga atau jiwa); "
                            "baris 6: nama field untuk skrip. Dibuat %(day)s.")
                    % {"day": self.schedule.today.isoformat()}, self.meta)
        for col, (label, field, unit) in enumerate(zip(labels, fields, units, strict=True)):
            sheet.write(3, col, label, self.head)
            sheet.write(4, col, unit or "—", self.head)
            sheet.write(5, col, field, self.meta)
            sheet.set_column(col, col, 14 if col > 1 else 22)
        sheet.freeze_panes(6, 2)
        return 6

    def write_value(self, sheet: Any, row: int, col: int, value: object,
                    warn: bool = False) -> None:
        if value is None:
            if warn:
                sheet.write_blank(row, col, None, self.text[1])
        elif isinstance(value, bool):
            sheet.write_string(row, col, self.yes if value else self.no, self.text[warn])
        elif isinstance(value, float):
            sheet.write_number(row, col, value, self.pct[warn])
        elif isinstance(value, int):
            sheet.write_number(row, col, value, self.count[warn])
        else:
            sheet.write_string(row, col, str(value), self.text[warn])

    def area_sheet(self, name: str, title: str, rows: Sequence[AreaRow]) -> None:
        sheet = self.workbook.add_worksheet(name)
        dicts = [row.as_dict() for row in rows]
        fields = list(dicts[0]) if dicts else ["area_code", "area_name", "level"]
        labels = [self._area_label(f) for f in fields]
        units = [unit_of(f) for f in fields]
        first = self.header(sheet, title, fields, labels, units)
        for i, (row, values) in enumerate(zip(rows, dicts, strict=True)):
            warn = row.behind or row.not_started
            for col, field in enumerate(fields):
                self.write_value(sheet, first + i, col, values[field], warn)

    def _area_label(self, field: str) -> str:
        fixed = {"area_code": _("Kode wilayah"), "area_name": _("Nama wilayah"),
                 "level": _("Tingkat"), "parent_code": _("Kode induk"),
                 "parent_name": _("Nama induk"), "behind_schedule": _("Tertinggal jadwal"),
                 "not_started": _("Belum mulai")}
        label = fixed.get(field) or label_of(field)
        if field.startswith("reduction_pct") and self.provisional:
            label += " " + _("(sementara)")
        return label

    def daily_sheet(self, days: Sequence[Day]) -> None:
        sheet = self.workbook.add_worksheet(_("Harian"))
        fields = ["day"] + [f"{name}_{unit}" for name in
                            ("in_scope", "verified", "removed", "progress_pct", "reduction_pct")
                            for unit in ("keluarga", "jiwa")]
        labels = [_("Tanggal")] + [label_of(f) for f in fields[1:]]
        labels = [lab + (" " + _("(sementara)") if f.startswith("reduction_pct")
                         and self.provisional else "") for lab, f in zip(labels, fields,
                                                                         strict=True)]
        first = self.header(sheet, _("Progres harian"), fields, labels,
                            [""] + [unit_of(f) for f in fields[1:]])
        for i, day in enumerate(days):
            sheet.write_datetime(first + i, 0, day.day, self.date)
            values = [day.in_scope.keluarga, day.in_scope.jiwa, day.verified.keluarga,
                      day.verified.jiwa, day.removed.keluarga, day.removed.jiwa,
                      day.progress_pct_keluarga, day.progress_pct_jiwa,
                      day.reduction_pct_keluarga, day.reduction_pct_jiwa]
            for col, value in enumerate(values, start=1):
                self.write_value(sheet, first + i, col, value)

    def summary_sheet(self, total: AreaRow) -> None:
        sheet = self.workbook.add_worksheet(_("Ringkasan"))
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 2, 16)
        sheet.write(0, 0, f"{self.campaign.name} — {total.name}", self.title)
        sheet.write(1, 0, self.status(), self.meta)
        s = self.schedule
        facts = [
            (_("Periode"), self.campaign.period), (_("Tanggal buka"), s.opens_on.isoformat()),
            (_("Tanggal tutup"), s.closes_on.isoformat()),
            (_("Tanggal finalisasi"), s.finalize_by.isoformat()),
            (_("Hari ini"), s.today.isoformat()), (_("Sisa hari sampai tutup"), s.days_left),
            (_("Sisa hari sampai finalisasi"), s.days_to_finalize),
            (_("Progres yang diharapkan (%)"), round(s.expected_pct, 2)),
            (_("Aturan tertinggal jadwal"), str(BEHIND_RULE)),
        ]
        for i, (label, value) in enumerate(facts, start=3):
            sheet.write(i, 0, label)
            sheet.write(i, 1, value)
        row = 3 + len(facts) + 1
        sheet.write_row(row, 0, [_("Ukuran"), _("keluarga"), _("jiwa")], self.head)
        lines = figure_lines(total.figures)
        for i, (label, kel, jiwa) in enumerate(lines, start=row + 1):
            sheet.write(i, 0, label)
            self.write_value(sheet, i, 1, kel)
            self.write_value(sheet, i, 2, jiwa)


def figure_lines(figures: CampaignFigures) -> list[tuple[str, object, object]]:
    """(label, keluarga, jiwa) for each figure of an area, in the order of DESIGN.md §4."""
    row = figures.as_dict()
    names = ["in_scope", "pending", "verified", "submitted", "approved"]
    names += [f"outcome_{code.lower()}" for code in OUTCOMES if code in figures.by_outcome]
    names += ["still_target", "removed", "progress_pct", "reduction_pct", "proposed",
              "proposed_approved"]
    lines = []
    for name in names:
        label = label_of(name)
        if name == "reduction_pct" and figures.provisional:
            label += " " + _("(sementara)")
        lines.append((label, row[f"{name}_keluarga"], row[f"{name}_jiwa"]))
    return lines


# The last workbooks built, by everything that goes into them: the regency's takes ~100 ms to
# write (16k cells), and the secretariat downloads the same state again before each meeting.
_WORKBOOKS: OrderedDict[tuple, bytes] = OrderedDict()
_WORKBOOKS_KEPT = 8
_WORKBOOKS_LOCK = threading.Lock()


def excel_report(campaign: Campaign, area_code: str, *, today: date | None = None) -> bytes:
    """The workbook of an area: a summary, its kecamatan and desa, and the daily series
    (levels above the area are left out: a desa gets its desa only)."""
    schedule = schedule_of(campaign, today)
    report = ProgressReport(campaign, area_code, schedule=schedule)
    days = daily(campaign, area_code) if level_of(area_code) != DESA else []
    key = (campaign.pk, campaign.name, campaign.period, campaign.state, schedule, area_code,
           get_language(), report.fingerprint(), tuple(days))
    with _WORKBOOKS_LOCK:
        if key in _WORKBOOKS:
            _WORKBOOKS.move_to_end(key)
            return _WORKBOOKS[key]
    content = _workbook(campaign, schedule, report, days)
    with _WORKBOOKS_LOCK:
        _WORKBOOKS[key] = content
        while len(_WORKBOOKS) > _WORKBOOKS_KEPT:
            _WORKBOOKS.popitem(last=False)
    return content


def _workbook(campaign: Campaign, schedule: Schedule, report: ProgressReport,
              days: list[Day]) -> bytes:
    total = report.total()
    buffer = io.BytesIO()
    book = spreadsheet.workbook(buffer)  # the campaign name in the title stays text
    sheets = _Sheets(book, campaign, schedule, total.figures.provisional)
    sheets.summary_sheet(total)
    if total.level == KABUPATEN:
        sheets.area_sheet(_("Kecamatan"), _("per kecamatan"), report.rows(KECAMATAN))
    sheets.area_sheet(_("Desa"), _("per desa/kelurahan"), report.rows(DESA))
    if total.level != DESA:
        sheets.daily_sheet(days)
    book.close()
    return buffer.getvalue()
