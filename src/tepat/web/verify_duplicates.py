"""The GANDA ("data ganda dari") choices of the family form: the other families of the desa
(`verification.services.duplicate_choices`), those sharing a person with this family by the
person linkage first and marked "kemungkinan ganda", and the one chosen before if the user may
see it (a stored reference outside the user's area never shows its head's name)."""

from __future__ import annotations

from typing import Any

from tepat.registry.models import Family
from tepat.verification import services
from tepat.verification.models import Verification


def duplicate_choices(user: Any, v: Verification) -> dict[str, Any]:
    """The VerificationForm's keyword arguments for the GANDA field."""
    now = (Family.objects.for_user(user).filter(pk=v.duplicate_of_id).first()
           if v.duplicate_of_id else None)
    return {"duplicates": services.duplicate_choices(v), "duplicate_now": now,
            "likely": services.likely_duplicates(v)}
