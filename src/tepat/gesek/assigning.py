"""Automatic assignment of a target list's families to the officials of their kecamatan team.

The decisions are the pure core's (`tepat.core.assignment`: quotas, balanced load, shortest
distance, solved with HiGHS); this module reads the list, the teams, the officials' bases and the
manual assignments, then writes the result in one transaction with one audit event.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tepat.accounts import roles
from tepat.audit.services import log_event, write_service
from tepat.core import assignment as core
from tepat.core.geo import Point, haversine_km
from tepat.core.strategies import ESELON
from tepat.gesek.models import Assignment, Official, TeamMember, TeamRole
from tepat.regions.boundaries import centroid, desa_centroids
from tepat.regions.models import Region
from tepat.verification.errors import RuleError
from tepat.verification.models import TargetList, TargetListEntry

AUDIT_ACTION = "gesek.assignment.auto"
REASON_LABELS = {
    core.NO_TEAM: gettext_lazy("Kecamatan belum punya tim Gesek Ekstrem dengan anggota aktif"),
    core.NO_CENTROID: gettext_lazy("Desa tidak punya titik pusat di data batas wilayah"),
    core.CAPACITY: gettext_lazy("Kuota tim kecamatan sudah penuh"),
}


@dataclass
class OfficialLoad:
    """What one official carries after the run (keluarga)."""

    nip: str
    name: str
    eselon: str
    agency: str
    kecamatan: str  # the team's kecamatan code(s), comma-separated
    kecamatan_name: str
    role: str
    load: int
    auto: int
    manual: int
    quota: int
    distance_km: float

    @property
    def load_ratio(self) -> float | None:
        return round(self.load / self.quota, 4) if self.quota else None


@dataclass
class UnassignedGroup:
    """Families of one desa left unassigned for one reason (counts only: no names, no NIK)."""

    reason: str
    kecamatan: str
    kecamatan_name: str
    desa: str
    desa_name: str
    families: int

    @property
    def label(self) -> str:
        return str(REASON_LABELS[self.reason])


@dataclass
class AssignmentReport:
    target_list_id: int
    target_list_name: str
    dry_run: bool
    families: int
    assigned_auto: int
    kept_manual: int
    replaced: int  # earlier assignments deleted (a dry run: would be)
    quotas: dict[str, int]
    balance_tolerance: float
    total_distance_km: float  # every assigned family, kept manual ones included
    auto_distance_km: float
    solve_seconds: float
    officials: list[OfficialLoad] = field(default_factory=list)
    unassigned: list[UnassignedGroup] = field(default_factory=list)
    written: int = 0  # automatic assignments inserted (a dry run: would be)
    unchanged: int = 0  # automatic assignments already as computed, left as they are

    @property
    def assigned(self) -> int:
        return self.assigned_auto + self.kept_manual

    def unassigned_by_reason(self) -> dict[str, int]:
        counts = dict.fromkeys(core.REASONS, 0)
        for group in self.unassigned:
            counts[group.reason] += group.families
        return counts

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly; units: families (keluarga), km, seconds."""
        return {
            "target_list": {"id": self.target_list_id, "name": self.target_list_name},
            "dry_run": self.dry_run,
            "unit": "keluarga",
            "families": self.families,
            "assigned": self.assigned,
            "assigned_auto": self.assigned_auto,
            "kept_manual": self.kept_manual,
            "replaced": self.replaced,
            "written": self.written,
            "unchanged": self.unchanged,
            "unassigned_total": sum(g.families for g in self.unassigned),
            "unassigned_by_reason": self.unassigned_by_reason(),
            "unassigned": [{**asdict(g), "label": g.label} for g in self.unassigned],
            "quotas": self.quotas,
            "balance_tolerance": self.balance_tolerance,
            "total_distance_km": round(self.total_distance_km, 3),
            "auto_distance_km": round(self.auto_distance_km, 3),
            "solve_seconds": round(self.solve_seconds, 4),
            "officials": [{**asdict(o), "distance_km": round(o.distance_km, 3),
                           "load_ratio": o.load_ratio} for o in self.officials],
        }


@write_service(none_when="dry_run")
def auto_assign(target_list: TargetList, *, actor: Any, dry_run: bool = False,
                quotas: Mapping[str, int] | None = None, keep_manual: bool = True,
                balance_tolerance: float = core.DEFAULT_BALANCE_TOLERANCE) -> AssignmentReport:
    """Assign every family of the list to an official of its kecamatan's team (method "auto"),
    replacing the earlier automatic assignments; manual ones are kept and count in the load
    (unless `keep_manual=False`: then they are replaced too). A dry run writes nothing."""
    if not roles.can_manage_gesek(actor):
        raise RuleError(_("Hanya admin kabupaten yang menjalankan penugasan otomatis."))
    quotas = _checked_quotas(quotas)
    if not 0 <= balance_tolerance <= 10:
        raise RuleError(("balance_tolerance", _("Toleransi keseimbangan beban harus antara 0 dan "
                                                "10 (0,10 = ±10%%).")))
    with transaction.atomic():
        # One run at a time per list (a no-op lock on SQLite, which writes one at a time).
        TargetList.objects.select_for_update().filter(pk=target_list.pk).exists()
        run = _Run(target_list, actor, quotas, keep_manual, balance_tolerance)
        report = run.report(dry_run)
        stale, rows, unchanged = run.changes()
        report.replaced, report.written, report.unchanged = len(stale), len(rows), len(unchanged)
        if not dry_run:
            run.write(stale, rows)
            log_event(AUDIT_ACTION, actor=actor, obj=target_list, area_code=actor.area_id or "",
                      data=_audit_data(report, keep_manual))
    return report


def _checked_quotas(quotas: Mapping[str, int] | None) -> dict[str, int]:
    merged = dict(core.DEFAULT_QUOTAS)
    for eselon, value in (quotas or {}).items():
        if eselon not in ESELON:
            raise RuleError(("quotas", _("Eselon %(eselon)s tidak dikenal (yang ada: %(known)s).")
                             % {"eselon": eselon, "known": ", ".join(ESELON)}))
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RuleError(("quotas", _("Kuota eselon %(eselon)s harus bilangan bulat 0 atau "
                                         "lebih, bukan %(value)r.")
                             % {"eselon": eselon, "value": value}))
        merged[eselon] = value
    return merged


def _audit_data(report: AssignmentReport, keep_manual: bool) -> dict[str, Any]:
    return {"target_list": report.target_list_id, "families": report.families,
            "assigned_auto": report.assigned_auto, "kept_manual": report.kept_manual,
            "keep_manual": keep_manual, "replaced": report.replaced,
            "written": report.written, "unchanged": report.unchanged,
            "unassigned": report.unassigned_by_reason(), "quotas": report.quotas,
            "balance_tolerance": report.balance_tolerance,
            "total_distance_km": round(report.total_distance_km, 3),
            "solve_seconds": round(report.solve_seconds, 4)}


class _Run:
    """One automatic assignment: what was read, what the core decided."""

    def __init__(self, target_list: TargetList, actor: Any, quotas: dict[str, int],
                 keep_manual: bool, tolerance: float) -> None:
        self.target_list, self.actor, self.quotas = target_list, actor, quotas
        self.keep_manual, self.tolerance = keep_manual, tolerance
        entries = (TargetListEntry.objects.for_user(actor).filter(target_list=target_list)
                   .values_list("id", "kecamatan_id", "desa_id"))
        self.where = {pk: (kecamatan, desa) for pk, kecamatan, desa in entries}
        manual = (Assignment.objects.for_user(actor)
                  .filter(entry__target_list=target_list, method="manual")
                  .values_list("entry_id", "official_id")) if keep_manual else []
        self.manual = {entry: official for entry, official in manual if entry in self.where}
        self.teams: dict[str, list[int]] = defaultdict(list)
        self.roles: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for kecamatan, official, role in (TeamMember.objects.filter(official__active=True)
                                          .order_by("kecamatan_id", "official_id")
                                          .values_list("kecamatan_id", "official_id", "role")):
            self.teams[kecamatan].append(official)
            self.roles[official].append((kecamatan, role))
        self.officials = {o.pk: o for o in Official.objects.filter(
            pk__in={*self.roles, *self.manual.values()}).select_related("agency")}
        self.result = self._solve()

    def _base(self, official: Official) -> Point | None:
        """The official's base desa centroid; else the middle of (the first of) their teams'
        kecamatan."""
        teams = self.roles.get(official.pk) or [("", "")]
        return centroid(official.base_id) or (centroid(teams[0][0]) if teams[0][0] else None)

    def _solve(self) -> core.Result:
        self.bases = {pk: self._base(o) for pk, o in self.officials.items()}
        refs = [core.OfficialRef(pk, self.officials[pk].eselon, base)
                for pk, base in self.bases.items() if base is not None and pk in self.roles]
        families = [core.FamilyRef(pk, kecamatan, desa)
                    for pk, (kecamatan, desa) in self.where.items() if pk not in self.manual]
        return core.assign(families, refs, self.teams, desa_centroids(), quotas=self.quotas,
                           carried=Counter(self.manual.values()),
                           balance_tolerance=self.tolerance)

    def _manual_km(self, entry: int) -> float:
        desa, base = desa_centroids().get(self.where[entry][1]), self.bases.get(self.manual[entry])
        return haversine_km(desa, base) if desa and base else 0.0

    def report(self, dry_run: bool) -> AssignmentReport:
        manual_km = {entry: self._manual_km(entry) for entry in self.manual}
        auto_km = self.result.total_distance_km
        return AssignmentReport(
            target_list_id=self.target_list.pk, target_list_name=self.target_list.name,
            dry_run=dry_run, families=len(self.where), assigned_auto=self.result.assigned,
            kept_manual=len(self.manual), replaced=0, quotas=self.quotas,
            balance_tolerance=self.tolerance, total_distance_km=auto_km + sum(manual_km.values()),
            auto_distance_km=auto_km, solve_seconds=self.result.solve_seconds,
            officials=self._loads(manual_km), unassigned=self._unassigned())

    def _loads(self, manual_km: Mapping[int, float]) -> list[OfficialLoad]:
        manual = Counter(self.manual.values())
        km: dict[int, float] = defaultdict(float)
        for entry, official in self.manual.items():
            km[official] += manual_km[entry]
        names = _region_names({k for teams in self.roles.values() for k, _role in teams})
        rows = []
        for pk, official in self.officials.items():
            teams = sorted(self.roles.get(pk, []))
            load = self.result.loads.get(pk)
            auto = load.auto if load else 0
            row = OfficialLoad(
                nip=official.nip, name=official.name, eselon=official.eselon,
                agency=str(official.agency), kecamatan=", ".join(k for k, _r in teams),
                kecamatan_name=", ".join(names.get(k, k) for k, _r in teams),
                role=", ".join(str(TeamRole(r).label) for _k, r in teams),
                load=manual[pk] + auto, auto=auto, manual=manual[pk],
                quota=self.quotas.get(official.eselon, 0),
                distance_km=km[pk] + (load.distance_km if load else 0.0))
            coordinator = any(r == TeamRole.COORDINATOR for _k, r in teams)
            rows.append(((row.kecamatan or "~", not coordinator, row.eselon, row.name, row.nip),
                         row))
        return [row for _key, row in sorted(rows, key=lambda pair: pair[0])]

    def _unassigned(self) -> list[UnassignedGroup]:
        counts = Counter((u.reason, u.kecamatan, u.desa) for u in self.result.unassigned)
        names = _region_names({code for _r, k, d in counts for code in (k, d)})
        return [UnassignedGroup(reason, kecamatan, names.get(kecamatan, kecamatan), desa,
                                names.get(desa, desa), n)
                for (reason, kecamatan, desa), n in sorted(counts.items())]

    def changes(self) -> tuple[list[int], list[tuple[int, int, str, str, float]], set[int]]:
        """What bringing the list's assignments to the result takes: (pks of rows to delete,
        rows to insert, entries left as they are). A row whose official (or distance) changed
        is deleted and inserted again; an unchanged one stays (a second run on the same data
        writes nothing); kept manual rows are not touched."""
        existing = (Assignment.objects.for_user(self.actor)
                    .filter(entry__target_list=self.target_list)
                    .values_list("pk", "entry_id", "official_id", "method", "distance_km"))
        placements, stale, unchanged = self.result.placements, [], set()
        for pk, entry, official, method, km in existing:
            placed = placements.get(entry)
            if method == "manual" and self.keep_manual:
                continue
            if (placed and method == "auto" and official == placed.official
                    and km == round(placed.distance_km, 3)):
                unchanged.add(entry)
            else:
                stale.append(pk)
        rows = [(entry, p.official, self.where[entry][1], self.where[entry][0],
                 round(p.distance_km, 3)) for entry, p in sorted(placements.items())
                if entry not in unchanged]
        return stale, rows, unchanged

    def write(self, stale: list[int], rows: list[tuple[int, int, str, str, float]]) -> None:
        for start in range(0, len(stale), CHUNK):
            (Assignment.objects.for_user(self.actor)
             .filter(pk__in=stale[start:start + CHUNK]).delete())
        _insert_auto(rows, self.actor)


CHUNK = 5000


def _insert_auto(rows: list[tuple[int, int, str, str, float]], actor: Any) -> None:
    """Insert the new automatic assignments: COPY on PostgreSQL, executemany on SQLite. The
    ORM's bulk_create spends ~6 s of Python on 30k rows on this VM; these a fraction of that."""
    if not rows:
        return
    fields = ("entry", "official", "desa", "kecamatan", "distance_km", "method", "assigned_at",
              "assigned_by")
    meta, quote = Assignment._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, "auto", now, actor.pk))
            return
        sql = (f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from _meta
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, [(*row, "auto", now, actor.pk)
                                     for row in rows[start:start + CHUNK]])


def _region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
