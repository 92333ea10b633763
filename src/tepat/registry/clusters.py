"""Person clusters as the registry's counts see them: a person counted once, not once per record
(DESIGN.md §10, issue 18 §3).

The clusters belong to the linkage app, which sits above the registry (it reads the registry
and imports it), so the registry never imports it: the linkage app registers its membership
table here when Django starts (`linkage.apps`). Before linkage ever ran, or without the app,
nothing is registered or the table is empty, and every count falls back to records.

What "once" means, one rule for every count (dashboard, campaign baseline, target lists,
convergence):

- within one source (DTSEN, P3KE, …), the current records of one cluster are one person; the
  sources are counted apart, as the dashboard shows them apart;
- the person belongs to the family (and so the desa and desil) of their *home record*: the
  current record of the cluster with the lowest id (the one the registry has held longest). The
  other records of the cluster are *repeats*: they are not counted in jiwa;
- a family's jiwa counted once = its member count less its current repeats. A per-desa figure
  counts the persons whose home record lies in that desa, so a person with records in two desa
  counts in one of them only, and totals over desa, kecamatan or desil never count anyone twice.
  A family-only file (no member rows) keeps its member count as it is.
"""

from __future__ import annotations

from django.db import connection

_TABLES: list[str] = []


def register_cluster_table(table: str) -> None:
    """The linkage app's membership table (columns person_id, cluster)."""
    _TABLES[:] = [table]


def cluster_table() -> str | None:
    return _TABLES[0] if _TABLES else None


def counted_once() -> bool:
    """Whether any person has a cluster: the pages then say "dihitung sekali per orang" (one
    index probe)."""
    table = cluster_table()
    if table is None:
        return False
    with connection.cursor() as cur:
        cur.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 (a registered table name)
        return cur.fetchone() is not None


def repeats_sql() -> str:
    """SQL of (family_id, n): the current records of each family that repeat a person whose
    home record lies elsewhere (or earlier in the same family). No rows without clusters."""
    table = cluster_table()
    if table is None:
        return "SELECT NULL AS family_id, 0 AS n WHERE 1 = 0"
    return f"""
        SELECT p.family_id, COUNT(*) AS n
        FROM registry_person p
        JOIN {table} c ON c.person_id = p.id
        JOIN (SELECT c2.cluster, p2.source, MIN(p2.id) AS home
              FROM {table} c2 JOIN registry_person p2 ON p2.id = c2.person_id
              WHERE p2.absent_since_id IS NULL
              GROUP BY c2.cluster, p2.source
              HAVING COUNT(*) > 1) h
          ON h.cluster = c.cluster AND h.source = p.source
        WHERE p.absent_since_id IS NULL AND p.id <> h.home
        GROUP BY p.family_id
    """  # noqa: S608 (a registered table name)


def jiwa_once(family_ids: list[int]) -> dict[int, int]:
    """Family id → its jiwa counted once (member count less repeats), for these families: a
    repeat is a current record with an earlier current record of the same cluster and source
    (index lookups by cluster, not a pass over every membership)."""
    table = cluster_table()
    repeats = "" if table is None else f"""
        LEFT JOIN (SELECT p.family_id, COUNT(*) AS n
                   FROM registry_person p JOIN {table} c ON c.person_id = p.id
                   WHERE p.family_id IN ({{marks}}) AND p.absent_since_id IS NULL
                     AND EXISTS (SELECT 1 FROM {table} c2
                                 JOIN registry_person p2 ON p2.id = c2.person_id
                                 WHERE c2.cluster = c.cluster AND p2.source = p.source
                                   AND p2.absent_since_id IS NULL AND p2.id < p.id)
                   GROUP BY p.family_id) r ON r.family_id = f.id"""  # noqa: S608
    found: dict[int, int] = {}
    for start in range(0, len(family_ids), 5000):
        chunk = family_ids[start:start + 5000]
        marks = ", ".join(["%s"] * len(chunk))
        sql = (f"SELECT f.id, f.member_count{' - COALESCE(r.n, 0)' if table else ''} "  # noqa: S608
               f"FROM registry_family f {repeats.format(marks=marks)} WHERE f.id IN ({marks})")
        with connection.cursor() as cur:
            cur.execute(sql, chunk * (2 if table else 1))
            found.update((pk, max(int(n), 0)) for pk, n in cur.fetchall())
    return found


def linked_families(family_id: int, desa_code: str) -> list[int]:
    """The other families of the desa holding a current record of the same person (cluster)
    as a current member of this family: the likely duplicates a GANDA finding points to."""
    table = cluster_table()
    if table is None:
        return []
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT DISTINCT o.family_id
            FROM registry_person m
            JOIN {table} cm ON cm.person_id = m.id
            JOIN {table} co ON co.cluster = cm.cluster AND co.person_id <> m.id
            JOIN registry_person o ON o.id = co.person_id
            WHERE m.family_id = %s AND m.absent_since_id IS NULL
              AND o.absent_since_id IS NULL AND o.desa_id = %s AND o.family_id <> %s
            ORDER BY o.family_id
            """,  # noqa: S608 (a registered table name)
            [family_id, desa_code, family_id])
        return [row[0] for row in cur.fetchall()]


def families_with_repeats_in_desa(desa_code: str) -> set[int]:
    """Families of the desa sharing a person (cluster) with another family of the same desa."""
    table = cluster_table()
    if table is None:
        return set()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT DISTINCT a.family_id
            FROM registry_person a
            JOIN {table} ca ON ca.person_id = a.id
            JOIN {table} cb ON cb.cluster = ca.cluster AND cb.person_id <> a.id
            JOIN registry_person b ON b.id = cb.person_id
            WHERE a.desa_id = %s AND b.desa_id = %s AND a.family_id <> b.family_id
              AND a.absent_since_id IS NULL AND b.absent_since_id IS NULL
            """,  # noqa: S608 (a registered table name)
            [desa_code, desa_code])
        return {row[0] for row in cur.fetchall()}
