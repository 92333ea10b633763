"""Pre-aggregated counts for dashboards (see DesaStat). Persons are counted once per person
cluster where linkage has run (`tepat.registry.clusters`: a person's records beyond their home
record are left out), else once per record."""

from __future__ import annotations

from django.db import connection

from tepat.registry.clusters import repeats_sql
from tepat.registry.models import DesaStat


def refresh_desa_stats() -> int:
    """Rebuild DesaStat from the registry in one set-based statement; returns the row count.
    Current records are counted; those absent from the latest edition are counted apart
    (absent_families, and absent_persons by their family's desa and desil). `persons` leaves
    out the repeats of a person already counted at their home record (clusters.repeats_sql);
    absent persons stay records."""
    DesaStat.objects.all().delete()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO registry_desastat
                (source, desa_id, kecamatan_id, desil, families, persons, flagged_families,
                 absent_families, absent_persons)
            SELECT f.source, f.desa_id, f.kecamatan_id, f.desil,
                   SUM(CASE WHEN f.absent_since_id IS NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN f.absent_since_id IS NULL THEN f.member_count - COALESCE(r.n, 0)
                       ELSE 0 END),
                   SUM(CASE WHEN f.absent_since_id IS NULL AND f.flags <> '' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN f.absent_since_id IS NULL THEN 0 ELSE 1 END),
                   COALESCE(SUM(a.n), 0)
            FROM registry_family f
            LEFT JOIN (SELECT family_id, COUNT(*) AS n FROM registry_person
                       WHERE absent_since_id IS NOT NULL GROUP BY family_id) a
                   ON a.family_id = f.id
            LEFT JOIN ({repeats_sql()}) r ON r.family_id = f.id
            GROUP BY f.source, f.desa_id, f.kecamatan_id, f.desil
            """  # noqa: S608 (no user input)
        )
        # Fresh planner statistics: without them SQLite picks poor plans for filtered lists.
        cur.execute("ANALYZE")
    return DesaStat.objects.count()
