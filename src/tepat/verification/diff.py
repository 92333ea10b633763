"""What changed between two target lists: added, removed (with the verification's reason),
changed (members or head). Compared by the entry key (source and family id, or the proposal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tepat.core.outcomes import APPROVED_STATES, REMOVED
from tepat.verification.labels import outcome_label
from tepat.verification.models import TargetList, TargetListEntry, Verification

FIELDS = ("key", "family_id", "kepala_keluarga", "no_kk", "jiwa", "desa_id", "kecamatan_id",
          "desil", "outcome")


@dataclass(frozen=True)
class Row:
    key: str
    kepala_keluarga: str
    no_kk: str
    desa_id: str
    kecamatan_id: str
    jiwa_before: int | None
    jiwa_after: int | None
    change: str  # "added", "removed", "changed"
    reason: str  # removed: the outcome's label; changed: what changed


def _entries(target_list: TargetList, viewer: Any, area: dict) -> dict[str, dict]:
    rows = (TargetListEntry.objects.for_user(viewer).filter(target_list=target_list, **area)
            .values(*FIELDS))
    return {row["key"]: row for row in rows}


def _removal_reasons(new: TargetList, viewer: Any, family_ids: list[int]) -> dict[int, str]:
    """The approved removal outcome of each family's verification in the new list's campaign.
    Only an approved removal takes a family off a list; a change request approved after the
    decree may have turned it into a still-target outcome: then no reason is given."""
    if new.campaign_id is None or not family_ids:
        return {}
    reasons = {}
    rows = Verification.objects.for_user(viewer).filter(
        campaign_id=new.campaign_id, family_id__in=family_ids, review__in=APPROVED_STATES,
        outcome__in=REMOVED).values("family_id", "outcome", "reason")
    for row in rows:
        label = outcome_label(row["outcome"])
        reasons[row["family_id"]] = f"{label} ({row['reason']})" if row["reason"] else label
    return reasons


def diff(old: TargetList, new: TargetList, *, viewer: Any, **area) -> list[Row]:
    """Every difference in the viewer's area, sorted by kecamatan, desa and name. `area`
    narrows it (e.g. desa_id)."""
    before, after = _entries(old, viewer, area), _entries(new, viewer, area)
    removed_keys = [k for k in before if k not in after]
    reasons = _removal_reasons(new, viewer, [before[k]["family_id"] for k in removed_keys
                                     if before[k]["family_id"]])
    rows = []
    for key, entry in after.items():
        if key not in before:
            rows.append(_row(entry, None, entry["jiwa"], "added",
                             _("Usulan baru") if key.startswith("usulan:") else _("Masuk daftar")))
        else:
            what = _what_changed(before[key], entry)
            if what:
                rows.append(_row(entry, before[key]["jiwa"], entry["jiwa"], "changed", what))
    for key in removed_keys:
        entry = before[key]
        rows.append(_row(entry, entry["jiwa"], None, "removed",
                         reasons.get(entry["family_id"], _("Tidak ada di daftar baru"))))
    return sorted(rows, key=lambda r: (r.kecamatan_id, r.desa_id, r.change, r.kepala_keluarga))


def _what_changed(old: dict, new: dict) -> str:
    parts = []
    if old["jiwa"] != new["jiwa"]:
        parts.append(_("jiwa %(old)s → %(new)s") % {"old": old["jiwa"], "new": new["jiwa"]})
    if old["kepala_keluarga"] != new["kepala_keluarga"]:
        parts.append(_("kepala keluarga %(old)s → %(new)s") % {
            "old": old["kepala_keluarga"], "new": new["kepala_keluarga"]})
    if old["desa_id"] != new["desa_id"]:
        parts.append(_("desa %(old)s → %(new)s") % {"old": old["desa_id"], "new": new["desa_id"]})
    return "; ".join(parts)


def _row(entry: dict, before: int | None, after: int | None, change: str, reason: str) -> Row:
    return Row(entry["key"], entry["kepala_keluarga"], entry["no_kk"], entry["desa_id"],
               entry["kecamatan_id"], before, after, change, reason)
