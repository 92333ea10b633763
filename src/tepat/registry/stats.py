"""Pre-aggregated counts for dashboards (see DesaStat)."""

from __future__ import annotations

from django.db import connection

from tepat.registry.models import DesaStat


def refresh_desa_stats() -> int:
    """Rebuild DesaStat from the registry in one set-based statement; returns the row count."""
    DesaStat.objects.all().delete()
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO registry_desastat
                (source, desa_id, kecamatan_id, desil, families, persons, flagged_families)
            SELECT source, desa_id, kecamatan_id, desil, COUNT(*), SUM(member_count),
                   SUM(CASE WHEN flags <> '' THEN 1 ELSE 0 END)
            FROM registry_family
            GROUP BY source, desa_id, kecamatan_id, desil
            """
        )
        # Fresh planner statistics: without them SQLite picks poor plans for filtered lists.
        cur.execute("ANALYZE")
    return DesaStat.objects.count()
