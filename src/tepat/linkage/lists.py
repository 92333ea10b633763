"""Agency list rows as person records of the linkage (issue 18 §1).

An agency's beneficiary or disbursement list is matched to the registry by
`tepat.interventions.matching` (NIK, No. KK, the linkage model, or a person deciding a waiting
row). Each of its rows is kept here as a `ListRecord` beside the registry's records: the person
it was linked to, and through that person's `ClusterMember` the cluster it joins. So the export
and the cluster page show every record of a person, the agency's included; the list itself is
never changed.

    record_list("opd-12", "BPNT · penerima.xlsx", rows, actor=user)   # after an upload
    link_list_row("opd-12", "7", person_id=..., family_id=..., desa="35.13.20.2001", actor=user)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction

from tepat.audit.services import ONE, log_event, write_service
from tepat.linkage.models import ClusterMember, ListRecord
from tepat.registry.scoping import unscoped_access

CHUNK = 2000


@dataclass(frozen=True)
class ListRow:
    record_id: str
    person_id: int | None = None
    family_id: int | None = None
    by: str = ""  # nik | kk | model | manual | "" (not matched)
    probability: float | None = None
    desa: str | None = None  # the desa code the row was matched to, or wrote


def _kecamatan(desa: str | None) -> str | None:
    return desa.rsplit(".", 1)[0] if desa and desa.count(".") == 3 else None


def _record(list_key: str, label: str, row: ListRow) -> ListRecord:
    desa = row.desa if row.desa and row.desa.count(".") == 3 else None
    return ListRecord(list_key=list_key, list_label=label[:300], record_id=row.record_id[:64],
                      person_id=row.person_id, family_id=row.family_id, by=row.by,
                      probability=row.probability, desa_id=desa, kecamatan_id=_kecamatan(desa))


@write_service(ONE)
def record_list(list_key: str, label: str, rows: Iterable[ListRow], *, actor: Any) -> int:
    """Keep a list's rows as linkage records (again for the same list: replaced, so that a
    re-run is idempotent). Returns how many rows are kept."""
    records = [_record(list_key, label, row) for row in rows]
    with transaction.atomic(), unscoped_access("linkage: an agency list's rows, kept"):
        ListRecord.objects.unscoped("linkage: a list replaced").filter(list_key=list_key).delete()
        ListRecord.objects.bulk_create(records, batch_size=CHUNK)
        log_event("linkage.list.recorded", actor=actor, data={
            "list": list_key, "rows": len(records),
            "linked": sum(1 for r in records if r.person_id is not None)})
    return len(records)


@write_service(ONE)
def link_list_row(list_key: str, record_id: str, *, person_id: int | None, family_id: int,
                  desa: str | None, actor: Any) -> ListRecord:
    """A person decided a waiting row: it is now this family (and person, when chosen)."""
    with transaction.atomic(), unscoped_access("linkage: a list row decided"):
        record, _created = ListRecord.objects.unscoped("linkage: a list row decided") \
            .select_for_update().get_or_create(list_key=list_key, record_id=record_id)
        before = {"person": record.person_id, "family": record.family_id, "by": record.by}
        fresh = _record(list_key, record.list_label, ListRow(
            record_id, person_id, family_id, "manual", None, desa))
        for name in ("person_id", "family_id", "by", "probability", "desa_id", "kecamatan_id"):
            setattr(record, name, getattr(fresh, name))
        record.save()
        log_event("linkage.list.row_linked", actor=actor, obj=record, area_code=desa or "",
                  data={"list": list_key, "row": record_id, "before": before,
                        "person": person_id, "family": family_id})
    return record


def list_memberships() -> pl.DataFrame:
    """Every list row as (source, record_id, cluster, match_probability): the cluster of the
    person it was linked to; a row with no person is a cluster of its own (a negative ID)."""
    clusters = ClusterMember.objects.unscoped("linkage: list rows' clusters")
    with unscoped_access("linkage: the export of list rows"):
        cluster_of = dict(clusters.values_list("person_id", "cluster"))
        rows = list(ListRecord.objects.unscoped("linkage: the export of list rows")
                    .order_by("list_key", "id")
                    .values_list("id", "list_key", "record_id", "person_id", "probability"))
    out = [(key, record_id, cluster_of.get(person, -pk) if person else -pk, probability)
           for pk, key, record_id, person, probability in rows]
    return pl.DataFrame(out, schema={"source": pl.String, "record_id": pl.String,
                                     "cluster": pl.Int64, "match_probability": pl.Float64},
                        orient="row")


def in_cluster(person_ids: Iterable[int]) -> list[ListRecord]:
    """The list rows linked to these persons (a cluster's records), for the cluster page; the
    caller checked that the persons are in the reader's area."""
    with unscoped_access("linkage: a cluster's list rows"):
        return list(ListRecord.objects.unscoped("linkage: a cluster's list rows")
                    .filter(person_id__in=list(person_ids)).order_by("list_key", "id"))
