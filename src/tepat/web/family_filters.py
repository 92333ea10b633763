"""The family list's query: the user's families narrowed by the list's filters, in the chosen
order (issue 19 §6). Shared by the list page and its export, so the file holds exactly the
rows the page lists.

Each filter on another table (a member's flag, the campaign's outcome, a target list, an import)
is a subquery of family ids read through that table's scoped manager: the user's area bounds
the subquery too, so a value pointing outside the area yields nothing, never a row.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tepat.registry.models import Family, FamilyEdition, Person
from tepat.verification.models import Campaign, TargetListEntry, Verification
from tepat.web.forms_lists import NOT_YET

# `?urut=` keys of the family list: the model fields each sorts by (ascending). No key sorts by
# a NIK or KK. "desa" is the order of the region codes (kecamatan, then desa), as the lists of
# the regency's reports.
SORT_KEYS = {
    "nama": ("kepala_keluarga",),
    "desa": ("desa_id", "kepala_keluarga"),
    "desil": ("desil", "kepala_keluarga"),
    "anggota": ("member_count", "kepala_keluarga"),
}
DEFAULT_ORDER = ("desa_id", "kepala_keluarga")

_DIRECT = (("kecamatan_id", "kecamatan"), ("desa_id", "desa"), ("desil", "desil"),
           ("source", "sumber"))


def has_flag(code: str) -> Q:
    """Rows whose comma-separated `flags` hold exactly `code` (not a code it is part of)."""
    return (Q(flags=code) | Q(flags__startswith=f"{code},") | Q(flags__endswith=f",{code}")
            | Q(flags__contains=f",{code},"))


def _flagged(user: Any, code: str) -> Q:
    """Families flagged `code` themselves, or through one of their members: one set of ids
    read through the partial indexes of flagged rows (`family_flagged`, `person_flagged`),
    so neither table is scanned whole."""
    flagged = ~Q(flags="") & has_flag(code)  # the indexes' own condition, then the code
    own = Family.objects.for_user(user).filter(flagged).values("pk")
    members = Person.objects.for_user(user).filter(flagged).values("family_id")
    return Q(pk__in=own.union(members))


def _with_outcome(user: Any, campaign: Campaign, outcome: str) -> Q:
    found = Verification.objects.for_user(user).filter(
        campaign=campaign, outcome="" if outcome == NOT_YET else outcome)
    return Q(pk__in=found.values("family_id"))


def _on_list(user: Any, target_list: int) -> Q:
    entries = TargetListEntry.objects.for_user(user).filter(
        target_list_id=target_list, family__isnull=False)
    return Q(pk__in=entries.values("family_id"))


def _in_edition(batch: Any) -> Q:
    return Q(pk__in=FamilyEdition.objects.filter(batch=batch).values("family_id"))


def filtered_families(user: Any, data: dict[str, Any], *, campaign: Campaign | None,
                      search: Q | None = None) -> QuerySet[Family]:
    """The user's families narrowed by the cleaned filters `data` (and a search)."""
    families = Family.objects.for_user(user)
    for field, param in _DIRECT:
        if data.get(param) not in (None, ""):
            families = families.filter(**{field: data[param]})
    if data.get("edisi") in ("ada", "tidak_ada"):  # "tidak ada di edisi terbaru"
        families = families.filter(absent_since__isnull=data["edisi"] == "ada")
    if data.get("catatan"):
        families = families.filter(_flagged(user, data["catatan"]))
    if data.get("hasil") and campaign is not None:
        families = families.filter(_with_outcome(user, campaign, data["hasil"]))
    if data.get("daftar"):
        families = families.filter(_on_list(user, data["daftar"]))
    if data.get("impor"):
        families = families.filter(_in_edition(data["impor"]))
    if search is not None:
        families = families.filter(search)
    return families
