"""What an import's change set needs to know of the target lists (registry.editions reads them
through these functions, registered when Django starts: the registry sits below verification
and never imports it)."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db.models import Max
from django.utils import timezone

from tepat.pipeline import changeset as cs
from tepat.registry.editions import TargetLists
from tepat.registry.scoping import unscoped_access
from tepat.verification.models import TargetList, TargetListEntry


def entries_in_force() -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """(family_id, target_list_id) of the target list in force (the latest decree dated today
    or before), and that list's id, name and SK number."""
    current = (TargetList.objects.filter(sk_date__lte=timezone.localdate())
               .order_by("-sk_date", "-id").first())
    if current is None:
        return pl.DataFrame(schema=cs.TARGET_SCHEMA), []
    with unscoped_access("service: import change set, target-list families it touches"):
        rows = list(TargetListEntry.objects.filter(target_list=current, family__isnull=False)
                    .values_list("family_id", "target_list_id"))
    about = [{"id": current.pk, "name": current.name, "sk_number": current.sk_number}]
    return pl.DataFrame(rows, schema=cs.TARGET_SCHEMA, orient="row"), about


def last_list_id() -> int:
    return TargetList.objects.aggregate(m=Max("id"))["m"] or 0


READERS = TargetLists(entries=entries_in_force, last_id=last_list_id)
