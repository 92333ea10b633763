"""Read helpers shared by the Gesek Ekstrem and intervention pages and commands."""

from __future__ import annotations

from typing import Any

from tepat.accounts.models import Role
from tepat.gesek.models import Agency
from tepat.verification.models import TargetList


def current_target_list() -> TargetList | None:
    """The population Gesek Ekstrem works on: the latest list fixed by decree."""
    return TargetList.objects.order_by("-year", "-sk_date", "-id").first()


def agency_of(user: Any) -> Agency | None:
    """The agency an OPD operator works for (`User.agency` holds its code or name)."""
    if getattr(user, "role", None) != Role.OPD or not user.agency:
        return None
    return (Agency.objects.filter(code=user.agency).first()
            or Agency.objects.filter(name=user.agency).first()
            or Agency.objects.filter(short_name=user.agency).first())
