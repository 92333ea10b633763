"""Read-only questions the linkage pages ask beyond the reader's area (counts, never records)."""

from __future__ import annotations

from tepat.linkage.models import ClusterMember


def cluster_size(cluster: int) -> int:
    """How many records the cluster holds across the regency: the cluster page shows the ones in
    the reader's area and only counts the others ("n rekaman di luar wilayah Anda")."""
    return ClusterMember.objects.unscoped(
        "linkage: the size of a cluster across the regency (a count, no record)"
    ).filter(cluster=cluster).count()
