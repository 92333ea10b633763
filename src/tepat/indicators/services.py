"""Every write to indicator values and targets: one transaction, one audit event each.

    load_packaged(actor=None)           the packaged BPS series and targets; idempotent
    save_observation(actor, data, pk)   one value entered or corrected by the admin kabupaten
    save_target(actor, data, pk)        one target
    import_observations(actor, path)    a CSV/xlsx of values: all rows or none; idempotent
    save_fgt(actor, results, ...)       FGT per region computed by Tepat, flagged `computed`

`actor` None is the system (the demo, a migration-like load); a person must be allowed to
manage indicators (roles.can_manage_indicators).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from tepat.accounts import roles
from tepat.audit.services import ONE_IF_CHANGED, log_event, write_service
from tepat.core import indicators as core
from tepat.indicators import loading
from tepat.indicators.models import Observation, Target
from tepat.lib.uploads import upload_as_path
from tepat.verification.errors import RuleError

OBSERVATION_FIELDS = ("region_name", "value", "unit", "url", "source_kind", "flags", "note")
TARGET_FIELDS = ("region_name", "value", "comparator", "level", "note", "flags")
FGT_INDICATORS = (("p0", "p0_percent_poor"), ("p1", "p1_poverty_gap_index"),
                  ("p2", "p2_poverty_severity_index"), ("poor_persons", "poor_persons"))


def _check_actor(actor: Any) -> None:
    if actor is not None and not roles.can_manage_indicators(actor):
        raise RuleError(_("Hanya admin kabupaten yang boleh mengubah indikator dan target."))


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _area(region_code: str) -> str:
    return region_code if region_code not in {core.INDONESIA} else ""


@dataclass
class LoadReport:
    """What a load or import did; `problems` not empty means nothing was written."""

    file: str
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    targets_added: int = 0
    targets_changed: int = 0
    problems: list[loading.Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "rows": self.rows, "added": self.added,
                "changed": self.changed, "unchanged": self.unchanged,
                "targets_added": self.targets_added, "targets_changed": self.targets_changed,
                "problems": [{"row": p.row, "column": p.column, "message_id": p.message_id,
                              "message_en": p.message_en} for p in self.problems]}


def _differs(obj: Any, data: dict[str, Any], fields: Sequence[str]) -> bool:
    for name in fields:
        new, old = data.get(name, getattr(obj, name)), getattr(obj, name)
        if isinstance(old, Decimal) or isinstance(new, Decimal):
            if Decimal(str(old)) != Decimal(str(new)):
                return True
        elif (old or "") != (new or ""):
            return True
    return False


def _upsert_observations(rows: Iterable[dict[str, Any]], actor: Any, report: LoadReport) -> None:
    """Rows with the same key (region, indicator, year, month, line, source) update the stored
    one when a value differs; the others are added. Runs inside the caller's transaction."""
    rows = list(rows)
    existing = {loading.observation_key(o.__dict__): o for o in Observation.objects.filter(
        region_code__in={r["region_code"] for r in rows},
        indicator__in={r["indicator"] for r in rows}).select_for_update()}
    new, changed = [], []
    for row in rows:
        stored = existing.get(loading.observation_key(row))
        if stored is None:
            new.append(Observation(**row, created_by=_actor(actor), updated_by=_actor(actor)))
        elif _differs(stored, row, OBSERVATION_FIELDS):
            for name in OBSERVATION_FIELDS:
                setattr(stored, name, row[name])
            stored.updated_by = _actor(actor)
            changed.append(stored)
        else:
            report.unchanged += 1
    Observation.objects.bulk_create(new)
    for stored in changed:
        stored.save(update_fields=[*OBSERVATION_FIELDS, "updated_by", "updated_at"])
    report.added += len(new)
    report.changed += len(changed)


def _upsert_target(data: dict[str, Any], actor: Any) -> tuple[Target, str]:
    key = {k: data[k] for k in ("region_code", "indicator", "year", "basis")}
    stored = Target.objects.select_for_update().filter(**key).first()
    if stored is None:
        target = Target.objects.create(**key, **{f: data.get(f, "") for f in TARGET_FIELDS},
                                       created_by=_actor(actor), updated_by=_actor(actor))
        return target, "added"
    if not _differs(stored, data, TARGET_FIELDS):
        return stored, "unchanged"
    for name in TARGET_FIELDS:
        setattr(stored, name, data.get(name, getattr(stored, name)))
    stored.updated_by = _actor(actor)
    stored.save()
    return stored, "changed"


@write_service(ONE_IF_CHANGED)
def load_packaged(actor: Any = None) -> LoadReport:
    """The packaged series (src/tepat/data/bps) and targets. Running it again adds nothing; an
    audit event is written only when something was added or changed."""
    _check_actor(actor)
    report = LoadReport(file=", ".join([*loading.PACKAGED_OBSERVATIONS, loading.PACKAGED_TARGETS]))
    rows: list[dict[str, Any]] = []
    for path in loading.packaged_paths():
        parsed = loading.read_observations(path, packaged=True)
        if parsed.problems:  # a packaged file we ship is broken: a bug, say it loudly
            raise ValueError("; ".join(str(p) for p in parsed.problems))
        rows += parsed.rows
    report.rows = len(rows)
    with transaction.atomic():
        _upsert_observations(rows, actor, report)
        for data in loading.packaged_targets():
            _target, what = _upsert_target(data, actor)
            report.targets_added += what == "added"
            report.targets_changed += what == "changed"
        if report.added or report.changed or report.targets_added or report.targets_changed:
            log_event("indicators.packaged.loaded", actor=actor, area_code="",
                      data=report.as_dict())
    return report


@write_service(ONE_IF_CHANGED)
def import_observations(actor: Any, path: Path | str | IO[bytes], *, file_name: str = "",
                        ) -> LoadReport:
    """A CSV or xlsx of indicator values (columns: loading.COLUMNS). Every row is checked first;
    when any row is wrong nothing is written and `report.problems` says where and why."""
    _check_actor(actor)
    file_name = file_name or Path(str(getattr(path, "name", "") or path)).name
    report = LoadReport(file=file_name)
    with tempfile.TemporaryDirectory(prefix="tepat-indikator-") as workdir:
        local = upload_as_path(path, file_name, Path(workdir))
        parsed = loading.read_observations(local, file_name)
    report.problems = parsed.problems
    report.rows = len(parsed.rows)
    if not report.ok:
        return report
    with transaction.atomic():
        _upsert_observations(parsed.rows, actor, report)
        if report.added or report.changed:
            log_event("indicators.imported", actor=actor, area_code="", data=report.as_dict())
    return report


def _observation_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The rules a form cannot know (region code, unit, value range and poverty line of the
    indicator); `data` gets the normalised values."""
    if data.get("indicator") not in core.INDICATORS:
        return [("indicator", _("Indikator tidak dikenal."))]
    indicator = data["indicator"]
    problems: list[tuple[str, str]] = []

    def run(name: str, check: Any) -> None:
        try:
            data[name] = check()
        except loading.Bad as bad:
            problems.append((name, bad.message_id))

    run("region_code", lambda: loading.parse_region_code(str(data.get("region_code", ""))))
    run("unit", lambda: loading.check_unit(indicator, data.get("unit") or ""))
    run("value", lambda: loading.check_value(indicator, Decimal(str(data["value"]))))
    run("line", lambda: loading.check_line(indicator, int(data["year"]), data.get("line") or ""))
    run("flags", lambda: loading.parse_flags(data.get("flags") or ""))
    return problems


@write_service()
def save_observation(actor: Any, data: dict[str, Any], *, pk: int | None = None) -> Observation:
    """One value entered (or, with `pk`, corrected) by hand. `data` has the model's fields."""
    _check_actor(actor)
    data = dict(data)
    data.setdefault("month", 0)
    problems = _observation_problems(data)
    if problems:
        raise RuleError(*problems)
    with transaction.atomic():
        if pk is not None:
            obj = Observation.objects.select_for_update().filter(pk=pk).first()
            if obj is None:
                raise RuleError(_("Nilai indikator tidak ditemukan."))
            before = {f: str(getattr(obj, f)) for f in data}
        else:
            obj, before = Observation(created_by=_actor(actor)), {}
        duplicate = Observation.objects.filter(**{k: data[k] for k in (
            "region_code", "indicator", "year", "month", "line", "source")}).exclude(pk=obj.pk)
        if duplicate.exists():
            raise RuleError(("source", _(
                "Nilai untuk wilayah, indikator, tahun, bulan, garis dan sumber ini sudah ada; "
                "ubah nilai yang ada.")))
        for name, value in data.items():
            setattr(obj, name, value)
        obj.updated_by = _actor(actor)
        obj.save()
        log_event("indicators.observation.saved", actor=actor, obj=obj,
                  area_code=_area(obj.region_code),
                  data={"before": before, "after": {f: str(getattr(obj, f)) for f in data}})
    return obj


@write_service()
def save_target(actor: Any, data: dict[str, Any], *, pk: int | None = None) -> Target:
    """One target (or, with `pk`, a correction of one)."""
    _check_actor(actor)
    data = dict(data)
    problems = []
    if data.get("comparator") not in core.COMPARATORS:
        problems.append(("comparator", _("Pembanding harus ≤ atau <.")))
    if data.get("level") not in core.LEVELS:
        problems.append(("level", _("Tingkat harus nasional atau daerah.")))
    if data.get("indicator") not in core.INDICATORS:
        problems.append(("indicator", _("Indikator tidak dikenal.")))
    if not (data.get("basis") or "").strip():
        problems.append(("basis", _("Dasar hukum wajib diisi.")))
    if problems:
        raise RuleError(*problems)
    with transaction.atomic():
        if pk is not None:
            target = Target.objects.select_for_update().filter(pk=pk).first()
            if target is None:
                raise RuleError(_("Target tidak ditemukan."))
            for name, value in data.items():
                setattr(target, name, value)
            target.updated_by = _actor(actor)
            target.save()
        else:
            target, _what = _upsert_target(data, actor)
        log_event("indicators.target.saved", actor=actor, obj=target,
                  area_code=_area(target.region_code),
                  data={k: str(v) for k, v in data.items()})
    return target


@write_service(ONE_IF_CHANGED)
def save_fgt(actor: Any, results: Sequence[core.RegionFGT], *, year: int, source: str,
             region_names: dict[str, str], synthetic: bool = False, note: str = "",
             ) -> LoadReport:
    """FGT per region as Observation rows (P0, P1, P2 and poor persons), flagged `computed`
    (and `synthetic` for synthetic data), source naming the file. Saving the same results
    again changes nothing."""
    _check_actor(actor)
    flags = ",".join([core.COMPUTED, *([core.SYNTHETIC] if synthetic else [])])
    rows = []
    for r in results:
        for attribute, indicator in FGT_INDICATORS:
            value = getattr(r, attribute)
            rows.append({
                "region_code": r.region, "region_name": region_names.get(r.region, r.region),
                "indicator": indicator, "year": year, "month": 0,
                "value": Decimal(str(round(value, 0 if indicator == "poor_persons" else 4))),
                "unit": core.INDICATORS[indicator].unit, "line": core.NATIONAL,
                "source": source[:300], "url": "", "source_kind": "computed by Tepat (FGT)",
                "flags": flags,
                "note": note or f"FGT dihitung Tepat; garis kemiskinan Rp {r.poverty_line:,.0f}; "
                        f"{r.households} rumah tangga sampel",
            })
    report = LoadReport(file=source, rows=len(rows))
    with transaction.atomic():
        _upsert_observations(rows, actor, report)
        if report.added or report.changed:
            log_event("indicators.fgt.saved", actor=actor, area_code="",
                      data={**report.as_dict(), "year": year, "regions": len(results)})
    return report
