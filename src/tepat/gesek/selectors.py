"""Read helpers shared by the Gesek Ekstrem and intervention pages and commands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Q

from tepat.accounts.models import Role
from tepat.core.identity import mask
from tepat.gesek.models import Agency, Assignment, Need, NeedStatus, Visit
from tepat.verification.models import TargetList, Verification


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


# --- the pendamping's first page (issue 19 §3) ----------------------------------------------

RT_RW = re.compile(r"\bRT\.?\s*(\d{1,3})\s*/?\s*RW\.?\s*(\d{1,3})\b", re.IGNORECASE)


def rt_rw(alamat: str) -> str:
    """'RT 002 / RW 001' from an address that names them ('' otherwise)."""
    found = RT_RW.search(alamat or "")
    return f"RT {found.group(1)} / RW {found.group(2)}" if found else ""


@dataclass
class FamilyToVisit:
    """One of the official's families, with where to find it and what is open."""

    entry_id: int
    head: str
    no_kk_masked: str
    alamat: str
    rt_rw: str
    desa: str
    jiwa: int
    last_visit: date | None
    open_needs: int
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    outcome: str = ""  # the current campaign's verification: outcome code
    review: str = ""  # ... and review state ('' = not verified)

    @property
    def has_gps(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def coordinates(self) -> str:
        """'-7.812345,113.401234' (never localized: a decimal comma breaks the link)."""
        return f"{self.latitude},{self.longitude}" if self.has_gps else ""

    @property
    def geo_uri(self) -> str:
        """A geo: link (RFC 5870) that opens the phone's own map app, offline maps included."""
        return f"geo:{self.coordinates}?q={self.coordinates}" if self.has_gps else ""


def _last_points(entries: list[int], official: Any) -> dict[int, tuple[Decimal, Decimal]]:
    """The latest visit of each entry that recorded a GPS point."""
    points: dict[int, tuple[Decimal, Decimal]] = {}
    visits = (Visit.objects.for_official(official, via="entry__assignment__official")
              .filter(entry_id__in=entries, latitude__isnull=False, longitude__isnull=False)
              .order_by("entry_id", "-visited_on", "-pk")
              .values_list("entry_id", "latitude", "longitude"))
    for entry, lat, lon in visits:
        points.setdefault(entry, (lat, lon))
    return points


def _verifications(families: dict[int, int], campaign: Any) -> dict[int, Any]:
    """entry id → the current campaign's verification of its registry family."""
    if campaign is None or not families:
        return {}
    rows = (Verification.objects
            .unscoped("pendamping: the verification of the official's own families")
            .filter(campaign=campaign, family_id__in=families.values())
            .only("family_id", "outcome", "review", "latitude", "longitude"))
    by_family = {v.family_id: v for v in rows}
    return {entry: by_family[f] for entry, f in families.items() if f in by_family}


def families_to_visit(official: Any, target_list: TargetList | None, campaign: Any = None,
                      *, limit: int = 100) -> list[FamilyToVisit]:
    """The official's assigned families (never anyone else's), not yet visited first; each
    with its address, RT/RW, desa and a GPS point (the latest visit's, else the verification's)."""
    if target_list is None:
        return []
    assignments = list(
        Assignment.objects.for_official(official).filter(entry__target_list=target_list)
        .select_related("entry__family", "entry__proposal", "desa")
        .annotate(last_visit=Max("entry__visits__visited_on"),
                  open_needs=Count("entry__needs", distinct=True,
                                   filter=~Q(entry__needs__status=NeedStatus.MET)))
        .order_by(F("last_visit").asc(nulls_first=True), "desa__name",
                  "entry__kepala_keluarga", "pk")[:limit])
    entries = [a.entry for a in assignments]
    points = _last_points([e.pk for e in entries], official)
    checked = _verifications({e.pk: e.family_id for e in entries if e.family_id}, campaign)
    rows = []
    for a in assignments:
        e = a.entry
        alamat = (e.family.alamat if e.family_id else
                  e.proposal.alamat if e.proposal_id else "") or ""
        row = FamilyToVisit(e.pk, e.kepala_keluarga, mask(e.no_kk), alamat, rt_rw(alamat),
                            a.desa.name, e.jiwa, a.last_visit, a.open_needs)
        v = checked.get(e.pk)
        if v is not None:
            row.outcome, row.review = v.outcome, v.review
        point = points.get(e.pk) or (
            (v.latitude, v.longitude) if v is not None and v.latitude is not None else None)
        if point is None and e.proposal_id and e.proposal.latitude is not None:
            point = (e.proposal.latitude, e.proposal.longitude)
        if point is not None:
            row.latitude, row.longitude = point
        rows.append(row)
    return rows


def official_counts(official: Any, target_list: TargetList | None) -> dict[str, int]:
    """How many families, how many never visited, how many open needs."""
    if target_list is None:
        return {"families": 0, "not_visited": 0, "open_needs": 0}
    mine = Assignment.objects.for_official(official).filter(entry__target_list=target_list)
    counts = {"families": mine.count(),
              "not_visited": mine.filter(entry__visits__isnull=True).count()}
    counts["open_needs"] = (Need.objects.for_official(official, via="entry__assignment__official")
                            .filter(entry__target_list=target_list)
                            .exclude(status=NeedStatus.MET).count())
    return counts
