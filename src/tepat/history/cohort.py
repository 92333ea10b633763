"""The cohort of two target lists, read from the database (rules: tepat.core.cohort).

Lists are ordered by their decree (SK date, then id). For the families of the earlier list: is
the family (its entry key) on the later list, and, if not, the approved verification outcome
that removed it — from the campaigns whose list was fixed after the earlier one, up to the later
one (the latest wins). For the families of the later list that were not on the earlier one: on
which lists before the later one they were (re-entry: on a list, then off one, now back).

A handful of queries whatever the lists' size: the lists before the later one; per list, the
families on both lists counted per kecamatan in SQL and those on one list only read one by one
(an EXISTS probe of the other list through the (target_list, key) unique index); the removing
outcomes of the families that left; the earlier memberships of the later list's newcomers.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Sum
from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tepat.core import cohort as core
from tepat.core import spreadsheet
from tepat.core.outcomes import APPROVED_STATES, REMOVED
from tepat.history.models import KeptCohort
from tepat.regions.models import Region
from tepat.verification.models import (
    ChangeRequest,
    TargetList,
    TargetListEntry,
    Verification,
)

# The core's category labels, as literals for `makemessages` (a test keeps them equal).
MARKED = (
    gettext_noop("Masih di daftar berikutnya"),
    gettext_noop("Graduasi (sudah mampu)"),
    gettext_noop("Pindah domisili"),
    gettext_noop("Meninggal / keluarga bubar"),
    gettext_noop("Digabung sebagai data ganda"),
    gettext_noop("Tidak ditemukan"),
    gettext_noop("Keluar tanpa hasil verifikasi"),
    gettext_noop("Dari daftar sebelumnya"),
    gettext_noop("Kembali miskin (re-entry)"),
    gettext_noop("Baru"),
)


@dataclass
class Cohort:
    earlier: TargetList
    later: TargetList
    area: str
    table: core.CohortTable
    names: dict[str, str] = field(default_factory=dict)  # kecamatan code -> name


def _scoped(queryset: QuerySet, area: str) -> QuerySet:
    return queryset.for_area(area)


def _on(target_list: TargetList) -> Exists:
    return Exists(TargetListEntry.objects.filter(target_list=target_list, key=OuterRef("key")))


def lists_before(later: TargetList, lists: list[TargetList] | None = None
                 ) -> list[TargetList]:
    """Every list fixed before `later`, oldest first (of `lists` when the caller has them)."""
    every = TargetList.objects.order_by("sk_date", "id") if lists is None else lists
    return sorted((t for t in every if (t.sk_date, t.pk) < (later.sk_date, later.pk)),
                  key=lambda t: (t.sk_date, t.pk))


def removing_outcomes(earlier: TargetList, later: TargetList, between: list[TargetList],
                      area: str) -> dict[int, str]:
    """Family id -> the approved removing outcome of the latest campaign whose list was fixed
    after `earlier`, up to `later`, for the earlier list's families that left."""
    campaigns = [t.campaign_id for t in [*between, later]
                 if t.campaign_id and (t.sk_date, t.pk) > (earlier.sk_date, earlier.pk)]
    rank = {campaign: i for i, campaign in enumerate(campaigns)}
    # By family, of the earlier list's families in the area (wherever the campaign's baseline
    # placed them: a family that moved between kecamatan keeps its outcome).
    families = _entries(earlier, area).filter(~_on(later)).values("family_id")
    rows = (Verification.objects
            .unscoped("cohort: the removing outcomes of the earlier list's families")
            .filter(campaign_id__in=campaigns, review__in=APPROVED_STATES, outcome__in=REMOVED,
                    family_id__in=families)
            .values_list("family_id", "campaign_id", "outcome"))
    found: dict[int, tuple[int, str]] = {}
    for family, campaign, outcome in rows:
        if family not in found or rank[campaign] > found[family][0]:
            found[family] = (rank[campaign], outcome)
    return {family: outcome for family, (_rank, outcome) in found.items()}


def _entries(target_list: TargetList, area: str) -> QuerySet:
    return _scoped(TargetListEntry.objects.filter(target_list=target_list), area)


def _groups(entries: QuerySet) -> list[tuple[str, int, int]]:
    """(kecamatan, keluarga, jiwa) of the entries: counted in SQL, not row by row."""
    return list(entries.values("kecamatan_id").annotate(n=Count("pk"), j=Sum("jiwa"))
                .order_by().values_list("kecamatan_id", "n", "j"))


def earlier_rows(earlier: TargetList, later: TargetList, outcomes: dict[int, str],
                 area: str) -> list[core.EarlierRow]:
    """The families still on the later list as a group per kecamatan; those that left one by
    one (their outcome decides their category)."""
    entries = _entries(earlier, area)
    stayed = [core.EarlierRow("", kecamatan, jiwa or 0, True, "", n)
              for kecamatan, n, jiwa in _groups(entries.filter(_on(later)))]
    left = entries.filter(~_on(later)).values_list("kecamatan_id", "jiwa", "family_id")
    return stayed + [core.EarlierRow("", kecamatan, jiwa, False, outcomes.get(family, ""))
                     for kecamatan, jiwa, family in left]


def later_rows(earlier: TargetList, later: TargetList, before: list[TargetList],
               area: str) -> list[core.LaterRow]:
    """The families carried over as a group per kecamatan; the newcomers one by one (their
    earlier lists decide between re-entry and new)."""
    entries = _entries(later, area)
    carried = [core.LaterRow("", kecamatan, jiwa or 0, True, (), n)
               for kecamatan, n, jiwa in _groups(entries.filter(_on(earlier)))]
    newcomers = list(entries.filter(~_on(earlier)).values_list("key", "kecamatan_id", "jiwa"))
    position = {t.pk: i for i, t in enumerate(before)}
    seen: dict[str, list[bool]] = defaultdict(lambda: [False] * len(before))
    if newcomers and before:
        # By key, of the later list's own newcomers in the area: whichever area their earlier
        # entries lay in (a family that moved between kecamatan keeps its history).
        prior = (TargetListEntry.objects
                 .unscoped("cohort: the earlier lists of the later list's newcomers")
                 .filter(target_list_id__in=position,
                         key__in=entries.filter(~_on(earlier)).values("key"))
                 .values_list("target_list_id", "key"))
        for list_id, key in prior:
            seen[key][position[list_id]] = True
    return carried + [core.LaterRow(key, kecamatan, jiwa, False,
                                    tuple(seen[key]) if key in seen else ())
                      for key, kecamatan, jiwa in newcomers]


def _read(earlier: TargetList, later: TargetList, area: str,
          lists: list[TargetList] | None) -> core.CohortTable:
    before = lists_before(later, lists)
    between = [t for t in before if (t.sk_date, t.pk) > (earlier.sk_date, earlier.pk)]
    outcomes = removing_outcomes(earlier, later, between, area)
    return core.cohort(earlier_rows(earlier, later, outcomes, area),
                       later_rows(earlier, later, before, area))


def _stamp() -> str:
    """What a cohort depends on besides its two lists, which never change once fixed: the
    set of lists (a list fixed in between changes re-entries) and the approved change requests
    (the only way an outcome of a finalized campaign changes, `decide_change`)."""
    lists = TargetList.objects.aggregate(n=Count("pk"), last=Max("pk"))
    decided = (ChangeRequest.objects.filter(state=ChangeRequest.State.APPROVED)
               .aggregate(last=Max("decided_at"))["last"])
    return f"{lists['n']}.{lists['last']}.{decided.timestamp() if decided else 0}"


def regency_of(area: str) -> str:
    """'35.13' of '35.13' or '35.13.20' (the kabupaten a reader's area lies in)."""
    return ".".join(area.split(".")[:2])


def regency_table(earlier: TargetList, later: TargetList, regency: str,
                  lists: list[TargetList] | None = None) -> core.CohortTable:
    """The regency's cohort per kecamatan: kept in the database (`KeptCohort`) once computed,
    until `_stamp()` changes. Computing it reads the two lists at regency size (~0.3-0.8 s
    for two lists of 20,000 families); reading it back is one row."""
    stamp = _stamp()
    kept = KeptCohort.objects.filter(earlier=earlier, later=later, stamp=stamp).first()
    if kept is not None:
        return core.table_from_json(kept.table)
    table = _read(earlier, later, regency, lists)
    keep_cohort(earlier, later, stamp, table)
    return table


def keep_cohort(earlier: TargetList, later: TargetList, stamp: str,
                table: core.CohortTable) -> None:
    """Keep the figures (derived data, no audit event: like DesaStat). Two readers computing
    at once both write the same figures; the last one stays."""
    try:
        with transaction.atomic():
            KeptCohort.objects.update_or_create(
                earlier=earlier, later=later,
                defaults={"stamp": stamp, "table": core.table_to_json(table)})
    except IntegrityError:
        pass  # the other reader's row, with the same figures


@task()
def keep_cohorts_task(later_id: int) -> int:
    """Once a list is fixed (or an approved change alters an outcome): the regency's cohort of
    every earlier list to it, kept before the first reader asks. Returns how many."""
    later = TargetList.objects.get(pk=later_id)
    kecamatan = (TargetListEntry.objects.unscoped("cohort: the regency of a fixed list")
                 .filter(target_list=later).values_list("kecamatan_id", flat=True).first())
    if kecamatan is None:
        return 0
    lists = list(TargetList.objects.order_by("sk_date", "id"))
    before = lists_before(later, lists)
    for earlier in before:
        regency_table(earlier, later, regency_of(kecamatan), lists)
    return len(before)


def cohort(earlier: TargetList, later: TargetList, *, area: str,
           lists: list[TargetList] | None = None) -> Cohort:
    """The cohort in `area` (the kabupaten, or one kecamatan): the caller checks the area is
    the reader's own. `lists`: every target list, when the caller has read them already.
    A kecamatan's cohort is its row of the regency's (tepat.core.cohort.one_kecamatan)."""
    table = regency_table(earlier, later, regency_of(area), lists)
    if area.count(".") >= 2:
        table = core.one_kecamatan(table, area)
    codes = [row.kecamatan for row in table.rows]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return Cohort(earlier, later, area, table, names)


# --- the table as rows, JSON, a workbook and CSV ------------------------------------------------


def columns() -> list[tuple[str, str, str]]:
    """(side, category, label) of every counted column, each in keluarga then jiwa."""
    earlier = [("earlier", "", _("Daftar awal"))] + [
        ("left", c, _(core.EARLIER_LABELS[c])) for c in core.EARLIER_CATEGORIES]
    later = [("later", "", _("Daftar berikutnya"))] + [
        ("joined", c, _(core.LATER_LABELS[c])) for c in core.LATER_CATEGORIES]
    return [*earlier, *later]


def _count(row: core.CohortRow, side: str, category: str) -> core.Count:
    if side in ("earlier", "later"):
        return getattr(row, side)
    return getattr(row, side)[category]


def headers() -> list[str]:
    found = [_("Kode kecamatan"), _("Kecamatan")]
    for _side, _category, label in columns():
        found += [f"{label} ({_('keluarga')})", f"{label} ({_('jiwa')})"]
    return found


def table_rows(result: Cohort) -> list[list[object]]:
    """One row per kecamatan, then the total."""
    named = [(row.kecamatan, result.names.get(row.kecamatan, row.kecamatan), row)
             for row in result.table.rows]
    out = []
    for code, name, row in [*named, ("", _("Jumlah"), result.table.total)]:
        cells: list[object] = [code, name]
        for side, category, _label in columns():
            count = _count(row, side, category)
            cells += [count.keluarga, count.jiwa]
        out.append(cells)
    return out


def _row_dict(row: core.CohortRow) -> dict:
    def pair(count: core.Count) -> dict[str, int]:
        return {"keluarga": count.keluarga, "jiwa": count.jiwa}

    return {"earlier": pair(row.earlier), "later": pair(row.later),
            "left": {c: pair(n) for c, n in row.left.items()},
            "joined": {c: pair(n) for c, n in row.joined.items()}}


def _list_dict(t: TargetList) -> dict:
    return {"id": t.pk, "name": t.name, "sk_number": t.sk_number,
            "sk_date": t.sk_date.isoformat()}


def as_dict(result: Cohort) -> dict:
    return {
        "from": _list_dict(result.earlier), "to": _list_dict(result.later),
        "area": result.area, "units": {"keluarga": "families (KK)", "jiwa": "persons"},
        "kecamatan": [{"code": row.kecamatan, "name": result.names.get(row.kecamatan, ""),
                       **_row_dict(row)} for row in result.table.rows],
        "total": _row_dict(result.table.total),
    }


def _title(result: Cohort) -> str:
    return (_("Kohort %(from)s (%(sk_from)s) → %(to)s (%(sk_to)s)")
            % {"from": result.earlier.name, "sk_from": result.earlier.sk_number,
               "to": result.later.name, "sk_to": result.later.sk_number})


def cohort_xlsx(result: Cohort) -> bytes:
    buffer = io.BytesIO()
    book = spreadsheet.workbook(buffer)  # list names stay text, never formulas
    sheet = book.add_worksheet(_("Kohort"))
    bold = book.add_format({"bold": True})
    sheet.write_string(0, 0, _title(result), bold)
    for col, label in enumerate(headers()):
        sheet.write_string(2, col, label, bold)
    for r, cells in enumerate(table_rows(result), start=3):
        for col, value in enumerate(cells):
            if isinstance(value, int):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, str(value))
    sheet.set_column(1, 1, 24)
    book.close()
    return buffer.getvalue()


def cohort_csv(result: Cohort) -> str:
    out = io.StringIO()
    writer = spreadsheet.csv_writer(out)
    writer.writerow(headers())
    writer.writerows(table_rows(result))
    return out.getvalue()
