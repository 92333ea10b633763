"""A family's timeline: what each edition said of it and everything that happened to it.

`family_timeline(user, family)` reads, always by the family's id (or its list entries' ids) and
through the user's area where the model is scoped, a fixed handful of queries: the editions
(registry.FamilyEdition with their batch), the names its members had in those editions
(registry.PersonEdition), the verifications with their campaign, the target-list entries with
their list and pendamping, the visits, the interventions. The caller has already fetched the
family with `get_family_for_user` (area and role checked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from tepat.accounts import roles
from tepat.core import timeline as core
from tepat.core.identity import mask
from tepat.gesek.models import Visit
from tepat.interventions.models import Intervention
from tepat.pipeline.messages import mask_numbers
from tepat.registry.models import EditionChange, Family, FamilyEdition, PersonEdition
from tepat.verification.labels import outcome_label
from tepat.verification.models import TargetListEntry, Verification

# The values each edition is summarised by on the timeline (the comparison shows every field).
SUMMARY = ("desil", "alamat", "kepala_keluarga")
IDENTITY_FIELDS = frozenset({"nik", "no_kk"})  # compared, but shown masked


@dataclass
class Event:
    day: date
    kind: str  # edition, absent, verification, target_list, assignment, visit, intervention
    title: str
    lines: list[str] = field(default_factory=list)
    point: int | None = None  # the batch id of an edition: a point the comparison can pick
    changes: core.Difference | None = None  # what an edition changed from the one before
    change_lines: list[str] = field(default_factory=list)


@dataclass
class Point:
    batch: int
    label: str
    snapshot: core.Snapshot


@dataclass
class Timeline:
    events: list[Event]  # oldest first
    points: list[Point]  # the editions, oldest first
    member_names: dict[str, str]  # a member's source ID -> the name an edition gave

    def point(self, batch: int | None) -> Point | None:
        return next((p for p in self.points if p.batch == batch), None)


# --- labelling values -------------------------------------------------------------------------

_FIELDS = {f.name: f for f in Family._meta.concrete_fields}


def field_label(name: str) -> str:
    found = _FIELDS.get(name)
    return str(found.verbose_name) if found is not None else name.replace("_", " ")


def value_label(name: str, value: Any) -> str:
    """A stored value as a reader sees it: a code's label, NIK/KK masked, '—' for nothing."""
    if value in (None, "", []):
        return "—"
    if name in IDENTITY_FIELDS:
        return mask(str(value))
    found = _FIELDS.get(name)
    if found is not None and found.choices:
        return str(dict(found.choices).get(str(value), value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _day(value: date | datetime | None) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value or date.min


def _when(value: date | datetime | None) -> str:
    return date_format(_day(value), "DATE_FORMAT") if value else "—"


# --- editions ---------------------------------------------------------------------------------


def _editions(family: Family) -> list[FamilyEdition]:
    return list(FamilyEdition.objects.filter(family_id=family.pk).select_related("batch")
                .only("batch_id", "change", "data", "batch__source", "batch__period",
                      "batch__family_file_name", "batch__created_at")
                .order_by("batch_id"))


def _member_names(family: Family) -> dict[str, str]:
    """Source ID -> name, as the latest edition that put the person in this family said."""
    rows = (PersonEdition.objects.filter(family_id=family.pk)
            .values_list("person__source_person_id", "person__nama", "data")
            .order_by("batch_id"))
    names: dict[str, str] = {}
    for source_id, current_name, data in rows:
        stated = (data or {}).get("nama")
        # a local list may use the NIK as a person's ID: never shown whole
        names[source_id] = stated or names.get(source_id) or current_name or mask_numbers(source_id)
    return names


def edition_name(batch: Any) -> str:
    """'P3KE 2024-03': the source and the period of the edition."""
    return f"{batch.get_source_display()} {batch.period}".strip()


def edition_label(batch: Any) -> str:
    """'P3KE 2024-03 · 2 Mei 2024': also when it was imported (two imports of one period)."""
    return f"{edition_name(batch)} · {_when(batch.created_at)}"


def _summary(snapshot: core.Snapshot) -> list[str]:
    data = snapshot.data or {}
    lines = [f"{capfirst(field_label(name))}: {value_label(name, data.get(name))}"
             for name in SUMMARY if name in data]
    members = core.member_ids(data)
    if members or "member_count" in data:
        lines.append(_("Anggota: %(n)s jiwa") % {"n": len(members) or data.get("member_count")})
    flags = sorted(core.flag_set(data))
    if flags:
        lines.append(_("Catatan data: %(flags)s") % {"flags": ", ".join(flags)})
    return lines


def _edition_events(editions: list[FamilyEdition]) -> tuple[list[Event], list[Point]]:
    snapshots = core.resolve(core.EditionRow(e.batch_id, e.change, e.data) for e in editions)
    events, points = [], []
    for edition, snapshot, step in zip(editions, snapshots, core.steps(snapshots), strict=True):
        label = edition_label(edition.batch)
        points.append(Point(edition.batch_id, label, snapshot))
        first = not events
        events.append(Event(
            _day(edition.batch.created_at), "edition",
            _("Edisi %(edition)s: %(change)s") % {
                "edition": edition_name(edition.batch),
                "change": EditionChange(edition.change).label},
            # an edition that repeated the one before adds no lines (the page stays light)
            lines=_summary(snapshot) if snapshot.stated else [], point=edition.batch_id,
            changes=None if first or step.empty else step))
    return events, points


def _absent_event(family: Family) -> list[Event]:
    if family.absent_since_id is None:  # no query for the families the latest edition has
        return []
    batch = family.absent_since
    return [Event(_day(batch.created_at), "absent", _("Tidak ada di edisi terbaru"),
                  lines=[edition_label(batch)])]


# --- verification, target lists, Gesek, aid -------------------------------------------------


def _verification_events(user: Any, family: Family) -> list[Event]:
    rows = (Verification.objects.for_user(user).filter(family_id=family.pk)
            .select_related("campaign").order_by("campaign__opens_on", "pk"))
    events = []
    for v in rows:
        lines = [_("Hasil: %(outcome)s") % {"outcome": outcome_label(v.outcome)},
                 _("Status: %(review)s") % {"review": v.get_review_display() or _("Belum")}]
        if v.reason:
            lines.append(_("Alasan: %(reason)s") % {"reason": v.get_reason_display()})
        when = v.reviewed_at or v.submitted_at or v.updated_at or v.campaign.opens_on
        events.append(Event(_day(when), "verification",
                             _("Verifikasi: %(campaign)s") % {"campaign": v.campaign.name},
                             lines=lines))
    return events


def _list_events(user: Any, family: Family) -> tuple[list[Event], list[int], dict[int, Any]]:
    entries = list(TargetListEntry.objects.for_user(user).filter(family_id=family.pk)
                   .select_related("target_list", "assignment__official")
                   .order_by("target_list__sk_date", "target_list_id"))
    events, officials = [], {}
    for entry in entries:
        tl = entry.target_list
        lines = [_("SK Bupati %(sk)s, %(date)s") % {"sk": tl.sk_number,
                                                    "date": _when(tl.sk_date)},
                 _("%(jiwa)s jiwa saat ditetapkan") % {"jiwa": entry.jiwa}]
        if entry.outcome:
            lines.append(_("Hasil verifikasi: %(o)s") % {"o": outcome_label(entry.outcome)})
        events.append(Event(tl.sk_date, "target_list",
                            _("Masuk daftar sasaran: %(name)s") % {"name": tl.name},
                            lines=lines))
        assignment = getattr(entry, "assignment", None)
        if assignment is not None:
            officials[entry.pk] = assignment.official
            events.append(Event(
                _day(assignment.assigned_at), "assignment",
                _("Pendamping Gesek: %(name)s") % {"name": assignment.official.name},
                lines=[assignment.official.position, tl.name]))
    return events, [e.pk for e in entries], officials


def _visit_events(user: Any, entry_ids: list[int], officials: dict[int, Any]) -> list[Event]:
    """Visits: their date and who came, for the admin and the family's own pendamping (the
    notes and photos stay on the Gesek page, docs/authz.md)."""
    own = {pk for pk, official in officials.items() if official.user_id == user.pk}
    visible = entry_ids if roles.can_manage_gesek(user) else [pk for pk in entry_ids if pk in own]
    if not visible:
        return []
    rows = (Visit.objects.for_user(user).filter(entry_id__in=visible)
            .select_related("official").order_by("visited_on", "pk"))
    return [Event(v.visited_on, "visit", _("Kunjungan pendamping"), lines=[v.official.name])
            for v in rows]


def _rupiah(amount: Any) -> str:
    return _("Rp %(amount)s") % {"amount": number_format(amount, 0, force_grouping=True)}


def _aid_events(user: Any, family: Family) -> list[Event]:
    rows = (Intervention.objects.for_user(user).filter(family_id=family.pk)
            .select_related("programme").order_by("delivered_on", "pk"))
    return [Event(i.delivered_on, "intervention",
                  _("Bantuan: %(programme)s") % {"programme": i.programme.name},
                  lines=[i.get_status_display(), _rupiah(i.amount)])
            for i in rows]


KIND_ORDER = {"edition": 0, "absent": 1, "target_list": 2, "verification": 3,
              "assignment": 4, "visit": 5, "intervention": 6}


def family_timeline(user: Any, family: Family) -> Timeline:
    edition_events, points = _edition_events(_editions(family))
    list_events, entry_ids, officials = _list_events(user, family)
    events = [*edition_events, *_absent_event(family), *_verification_events(user, family),
              *list_events, *_visit_events(user, entry_ids, officials),
              *_aid_events(user, family)]
    events.sort(key=lambda e: (e.day, KIND_ORDER[e.kind]))
    names = _member_names(family) if points else {}
    for event in events:
        if event.changes is not None:
            event.change_lines = describe(event.changes, names)
    return Timeline(events, points, names)


# --- comparing two points -----------------------------------------------------------------


@dataclass
class Comparison:
    before: Point
    after: Point
    fields: list[tuple[str, str, str]]  # (label, before, after)
    members_added: list[str]
    members_removed: list[str]
    flags_raised: list[str]
    flags_cleared: list[str]

    @property
    def empty(self) -> bool:
        return not (self.fields or self.members_added or self.members_removed
                    or self.flags_raised or self.flags_cleared)


def compare_points(timeline: Timeline, before: Point, after: Point) -> Comparison:
    diff = core.compare(before.snapshot.data, after.snapshot.data)

    def name(source_id: str) -> str:
        return _member(timeline.member_names, source_id)

    return Comparison(
        before, after,
        fields=[(field_label(n), value_label(n, old), value_label(n, new))
                for n, old, new in diff.fields],
        members_added=[name(m) for m in diff.members_added],
        members_removed=[name(m) for m in diff.members_removed],
        flags_raised=diff.flags_raised, flags_cleared=diff.flags_cleared)


def _member(names: dict[str, str], source_id: str) -> str:
    return names.get(source_id) or mask_numbers(source_id)


def describe(diff: core.Difference, names: dict[str, str]) -> list[str]:
    """One line per change an edition made, for the timeline."""
    lines = [f"{capfirst(field_label(n))}: {value_label(n, old)} → {value_label(n, new)}"
             for n, old, new in diff.fields]
    if diff.members_added:
        lines.append(_("Anggota masuk: %(names)s")
                     % {"names": ", ".join(_member(names, m) for m in diff.members_added)})
    if diff.members_removed:
        lines.append(_("Anggota keluar: %(names)s")
                     % {"names": ", ".join(_member(names, m) for m in diff.members_removed)})
    if diff.flags_raised:
        lines.append(_("Catatan data baru: %(f)s") % {"f": ", ".join(diff.flags_raised)})
    if diff.flags_cleared:
        lines.append(_("Catatan data selesai: %(f)s") % {"f": ", ".join(diff.flags_cleared)})
    return lines
