"""What the `tepat gesek`, `tepat plan` and `tepat convergence` commands share."""

from __future__ import annotations

from django.core.management.base import CommandError

from tepat.gesek.selectors import current_target_list
from tepat.verification.models import TargetList


def target_list_option(value: int | None) -> TargetList:
    """The target list given by `--list ID`, or the current one; a clear error otherwise."""
    found = (current_target_list() if value is None
             else TargetList.objects.filter(pk=value).first())
    if found is None:
        raise CommandError(
            "Belum ada daftar sasaran (SK Bupati). / No target list has been fixed yet."
            if value is None else
            f"Daftar sasaran {value} tidak ada. / Target list {value} does not exist.")
    return found
