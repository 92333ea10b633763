"""The data subject report (issue 6 §2; UU 27/2022 Pasal 7, hak akses subjek data pribadi).

For one NIK: every registry person with that NIK in any source, their families (with the other
members by name, their NIK masked), the verifications of those families, target-list entries,
Gesek Ekstrem assignments, visits and needs, interventions, beneficiary-list rows, and every
audit and access event about any of those rows, in time order. `gather` collects it into
plain dataclasses; `subject_report` checks the role and the input, writes one access event per
record found (the report itself is a reveal of personal data) and renders the PDF.

Only the admin kabupaten may produce it (`may_request`): the report hands a person's full data
to them. Everything goes through the admin's area scope (`for_user`) where the model has one.

The subject's own NIK and the KK of their own family are printed in full (it is their data);
every other 16-digit number (another member's NIK, a number typed into a note) is masked.

`subject_report` is not a `@write_service`: it writes access events (`log_access`), which the
audit counter does not count, and no audit event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tepat.accounts import roles
from tepat.accounts.models import Role
from tepat.audit.models import AccessEvent, AuditEvent
from tepat.audit.reveals import Purpose, purpose_problems
from tepat.audit.services import log_access
from tepat.core import codes
from tepat.core.identity import check_nik, mask, normalize_number
from tepat.core.outcomes import MAMPU_REASONS, OUTCOMES
from tepat.core.reveals import PURPOSE_TEXT_MAX, PURPOSES
from tepat.gesek.models import Assignment, Need, Visit
from tepat.interventions.models import Intervention, UnmatchedRow
from tepat.pipeline.messages import flag_message
from tepat.regions.models import Region
from tepat.registry.models import Family, Person, SourceBatch
from tepat.reports.pdf import html_to_pdf
from tepat.verification.labels import outcome_label, reason_label
from tepat.verification.models import (
    REVIEW_CHOICES,
    ChangeRequest,
    Evidence,
    Proposal,
    TargetListEntry,
    Verification,
)

ACTION = "subject_report"
PURPOSE_MAX = PURPOSE_TEXT_MAX  # AccessEvent.purpose
SUBJECT_PURPOSE = "permintaan_warga"  # a data subject's request, unless the admin says otherwise
# A NIK that is not a 16-digit number at all: these problems make the report impossible. Other
# problems (an unknown region code, a serial 0000) do not: the number is looked up as written.
STRUCTURAL = frozenset({"NIK_EMPTY", "NIK_NUMBER_MANGLED", "NIK_NOT_DIGITS", "NIK_LENGTH"})
# The object of the access event when nothing is held: the NIK looked up, masked.
NOT_FOUND_TYPE = "registry.nik"
_SIXTEEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")
# Technical columns that say nothing about the person.
_SKIPPED_FIELDS = frozenset({"id", "row_hash", "batch", "family", "desa", "kecamatan",
                             "source_row", "source", "nik", "no_kk", "flags",
                             # shown on their own lines of the report
                             "nama", "source_person_id", "source_family_id", "desil", "alamat",
                             "kepala_keluarga"})
_FIELD_LABELS = {"updated_at": gettext_lazy("terakhir diperbarui dari sumber"),
                 "unknown_values": gettext_lazy("nilai tidak dikenal di berkas sumber")}
# Ids in an event's data that mean nothing to the reader (the object is named in its own column).
_ID_KEYS = frozenset({"family_id", "campaign_id", "entry", "programme", "family", "person",
                      "request", "verification", "before", "after"})
ACTION_LABELS = {
    "verification.saved": gettext_lazy("Verifikasi disimpan sebagai draf"),
    "verification.submitted": gettext_lazy("Verifikasi dikirim ke kecamatan"),
    "verification.approved": gettext_lazy("Verifikasi disetujui kecamatan"),
    "verification.returned": gettext_lazy("Verifikasi dikembalikan ke desa"),
    "verification.change.requested": gettext_lazy("Permintaan perubahan diajukan"),
    "verification.change.approved": gettext_lazy("Permintaan perubahan disetujui"),
    "verification.change.refused": gettext_lazy("Permintaan perubahan ditolak"),
    "verification.proposal.saved": gettext_lazy("Usulan disimpan"),
    "verification.proposal.submitted": gettext_lazy("Usulan dikirim"),
    "verification.proposal.approved": gettext_lazy("Usulan disetujui"),
    "verification.proposal.returned": gettext_lazy("Usulan dikembalikan"),
    "verification.campaign.created": gettext_lazy("Kampanye dibuat"),
    "verification.campaign.opened": gettext_lazy("Kampanye dibuka (baseline dibekukan)"),
    "verification.campaign.closed": gettext_lazy("Kampanye ditutup"),
    "verification.campaign.finalized": gettext_lazy("Kampanye difinalkan"),
    "verification.target_list.registered": gettext_lazy("Daftar sasaran ditetapkan"),
    "gesek.assignment.changed": gettext_lazy("Pendamping ditetapkan"),
    "gesek.visit.recorded": gettext_lazy("Kunjungan dicatat"),
    "gesek.need.recorded": gettext_lazy("Kebutuhan dicatat"),
    "interventions.intervention.added": gettext_lazy("Intervensi dicatat"),
    "interventions.upload.matched": gettext_lazy("Daftar penerima dicocokkan"),
    "interventions.unmatched.confirmed": gettext_lazy("Baris penerima dicocokkan manual"),
    "interventions.unmatched.rejected": gettext_lazy("Baris penerima ditolak"),
    "interventions.payment.recorded": gettext_lazy("Pembayaran bantuan dicatat"),
    "interventions.payment.updated": gettext_lazy("Pembayaran bantuan diperbarui"),
    "interventions.disbursement.imported": gettext_lazy("Berkas penyaluran diimpor"),
    "registry.batch.imported": gettext_lazy("Data sumber diimpor"),
    "registry.batch.queued": gettext_lazy("Impor data sumber diantrekan"),
}

OBJECT_LABELS = {
    "registry.person": gettext_lazy("Individu"),
    "registry.family": gettext_lazy("Keluarga"),
    "registry.sourcebatch": gettext_lazy("Impor data sumber"),
    NOT_FOUND_TYPE: gettext_lazy("NIK dicari"),
    "verification.verification": gettext_lazy("Verifikasi"),
    "verification.changerequest": gettext_lazy("Permintaan perubahan"),
    "verification.proposal": gettext_lazy("Usulan baru"),
    "verification.campaign": gettext_lazy("Kampanye verifikasi"),
    "verification.targetlist": gettext_lazy("Daftar sasaran"),
    "verification.targetlistentry": gettext_lazy("Entri daftar sasaran"),
    "gesek.assignment": gettext_lazy("Pendampingan"),
    "gesek.visit": gettext_lazy("Kunjungan"),
    "gesek.need": gettext_lazy("Kebutuhan"),
    "interventions.intervention": gettext_lazy("Intervensi"),
    "interventions.unmatchedrow": gettext_lazy("Baris daftar penerima"),
    "interventions.beneficiaryupload": gettext_lazy("Unggahan daftar penerima"),
}
ACCESS_LABELS = {
    "reveal": gettext_lazy("NIK/KK dibuka"),
    "export": gettext_lazy("Diunduh (ekspor data pribadi)"),
    ACTION: gettext_lazy("Laporan subjek data dibuat"),
}
CHANGE_LABELS = {
    "outcome": gettext_lazy("Hasil"), "reason": gettext_lazy("Alasan"),
    "note": gettext_lazy("Catatan"), "destination": gettext_lazy("Tujuan pindah"),
    "duplicate_of_id": gettext_lazy("Duplikat dari"),
    "corrections": gettext_lazy("Perbaikan data"), "latitude": gettext_lazy("Lintang"),
    "longitude": gettext_lazy("Bujur"), "review": gettext_lazy("Status"),
    "return_reason": gettext_lazy("Alasan dikembalikan"),
}


REVIEWS = dict(REVIEW_CHOICES)


class SubjectReportError(ValueError):
    """Bad input: the message says what was expected, in Indonesian and English."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


# --- the gathered data ---------------------------------------------------------------------


@dataclass
class Item:
    label: str
    value: str


@dataclass
class PersonRecord:
    pk: int
    nama: str
    nik: str  # the subject's own NIK, in full
    source: str
    source_person_id: str
    family_pk: int
    desa: str
    batch: str
    flags: list[str]
    items: list[Item]


@dataclass
class Member:
    nama: str
    nik: str  # masked, unless it is the subject
    hubungan: str
    is_subject: bool


@dataclass
class FamilyRecord:
    pk: int
    source: str
    source_family_id: str
    no_kk: str
    kepala_keluarga: str
    alamat: str
    desa: str
    kecamatan: str
    desil: str
    batch: str
    flags: list[str]
    items: list[Item]
    members: list[Member]


@dataclass
class VerificationRecord:
    pk: int
    family_pk: int
    campaign: str
    outcome: str
    reason: str
    note: str
    review: str
    return_reason: str
    updated_by: str
    updated_at: str
    submitted_at: str
    reviewed_by: str
    reviewed_at: str
    channel: str
    corrections: list[str]
    photos: int
    change_requests: list[str]


@dataclass
class Row:
    """One line of a simple table: target-list entries, Gesek records, interventions, …"""

    what: str
    when: str
    details: str
    by: str = ""


@dataclass
class EventRecord:
    at: datetime
    when: str
    kind: str  # "audit" or "akses"
    action: str  # the stored action code
    action_label: str
    actor: str  # username
    area: str
    obj: str
    direct: bool  # about a row of the subject (else about a list or an import containing it)
    details: str = ""


@dataclass
class SubjectData:
    nik: str
    generated_at: datetime
    persons: list[PersonRecord] = field(default_factory=list)
    families: list[FamilyRecord] = field(default_factory=list)
    verifications: list[VerificationRecord] = field(default_factory=list)
    proposals: list[Row] = field(default_factory=list)
    target_entries: list[Row] = field(default_factory=list)
    gesek: list[Row] = field(default_factory=list)
    interventions: list[Row] = field(default_factory=list)
    beneficiary_rows: list[Row] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.persons or self.families or self.proposals or self.beneficiary_rows)


# --- checks --------------------------------------------------------------------------------


def may_request(user: Any) -> bool:
    """The admin kabupaten (who may reveal a NIK) with an area: nobody else."""
    return (roles.can_reveal_identity(user) and user.role == Role.ADMIN_KABUPATEN
            and user.area_id is not None)


def checked_nik(raw: object) -> str:
    """The NIK normalised, or a SubjectReportError saying what is wrong (never repeating it)."""
    problems = [p for p in check_nik(raw) if p.code in STRUCTURAL]
    if problems:
        p = problems[0]
        raise SubjectReportError("nik", f"{p.message_id}. / {p.message_en}.")
    value = normalize_number(raw)
    assert value is not None
    return value


def checked_purpose(raw: object, code: str = SUBJECT_PURPOSE) -> Purpose:
    """The purpose if it passes the rule of every purpose (`reveals.purpose_problems`), else a
    SubjectReportError on its field."""
    purpose = str(raw or "").strip()
    if not purpose:
        raise SubjectReportError("tujuan", "Tujuan wajib diisi (mis. permintaan tertulis subjek "
                                           "data tanggal …). / The purpose is required.")
    problems = purpose_problems(code, purpose)
    if problems:
        raise SubjectReportError(*problems[0])
    return Purpose(code, purpose)


# --- formatting helpers --------------------------------------------------------------------


class _Scrub:
    """Masks every 16-digit number in free text except the ones the subject may see."""

    def __init__(self, keep: Iterable[str]) -> None:
        self.keep = {k for k in keep if k}

    def __call__(self, text: Any) -> str:
        text = "" if text is None else str(text)
        return _SIXTEEN_DIGITS.sub(
            lambda m: m.group(0) if m.group(0) in self.keep else mask(m.group(0)), text)


def _when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value,
                           "d-m-Y H:i")
    return date_format(value, "d-m-Y")


def _who(user: Any) -> str:
    return user.username if user is not None else _("sistem")


def _display(obj: models.Model, f: models.Field) -> str:
    value = getattr(obj, f.attname)
    if value in (None, ""):
        return ""
    if f.choices:
        return str(getattr(obj, f"get_{f.name}_display")())
    if isinstance(value, (datetime, date)):
        return _when(value)
    if isinstance(value, Decimal):
        return number_format(value)
    return str(value)


def _items(obj: models.Model, scrub: _Scrub) -> list[Item]:
    """Every other stored value of the record that is not empty, with its column's name."""
    found = []
    for f in obj._meta.concrete_fields:
        if f.name in _SKIPPED_FIELDS or f.is_relation:
            continue
        value = _display(obj, f)
        if value:
            found.append(Item(str(_FIELD_LABELS.get(f.name, f.verbose_name)), scrub(value)))
    return found


def _flags(text: str) -> list[str]:
    found = []
    for code in [c for c in text.split(",") if c]:
        try:
            found.append(f"{code}: {flag_message(code)[0]}")
        except KeyError:
            found.append(code)
    return found


def _batch(batch: SourceBatch | None) -> str:
    if batch is None:
        return "—"
    return _("%(source)s periode %(period)s, impor #%(id)s tanggal %(when)s") % {
        "source": batch.get_source_display(), "period": batch.period or "—", "id": batch.pk,
        "when": _when(batch.finished_at or batch.created_at)}


def _label(value: Any, choices: dict[str, Any]) -> str:
    if value in (None, "", []):
        return "—"
    return str(choices.get(value, value))


# --- gathering -----------------------------------------------------------------------------


def _subject_rows(nik: str, viewer: Any) -> tuple[list[Person], list[Family]]:
    """The persons with this NIK and their families (plus families whose head has it)."""
    persons = list(Person.objects.for_user(viewer).filter(nik=nik)
                   .select_related("batch", "desa", "family").order_by("source", "pk"))
    family_ids = {p.family_id for p in persons}
    family_ids |= set(Family.objects.for_user(viewer).filter(nik=nik).values_list("pk", flat=True))
    families = list(Family.objects.for_user(viewer).filter(pk__in=family_ids)
                    .select_related("batch", "desa", "kecamatan").order_by("source", "pk"))
    return persons, families


def _family_records(families: list[Family], nik: str, viewer: Any,
                    scrub: _Scrub) -> list[FamilyRecord]:
    members: dict[int, list[Member]] = {}
    for p in (Person.objects.for_user(viewer).filter(family__in=families)
              .order_by("family_id", "hubungan", "tanggal_lahir", "pk")):
        members.setdefault(p.family_id, []).append(Member(
            p.nama or "—", p.nik if p.nik == nik else mask(p.nik),
            p.get_hubungan_display() or "—", p.nik == nik))
    records = []
    for f in families:
        items = _items(f, scrub)
        if f.nik:
            items.insert(0, Item(_("NIK kepala keluarga"), f.nik if f.nik == nik else mask(f.nik)))
        records.append(FamilyRecord(
            pk=f.pk, source=f.get_source_display(), source_family_id=f.source_family_id,
            no_kk=f.no_kk or "—", kepala_keluarga=f.kepala_keluarga or "—",
            alamat=scrub(f.alamat) or "—", desa=f"{f.desa.name} ({f.desa_id})",
            kecamatan=f"{f.kecamatan.name} ({f.kecamatan_id})",
            desil=str(f.desil) if f.desil is not None else "—", batch=_batch(f.batch),
            flags=_flags(f.flags), items=items, members=members.get(f.pk, [])))
    return records


def _correction(op: dict[str, Any], names: dict[int, str], nik: str) -> str:
    who = names.get(op.get("person"), _("anggota #%(id)s") % {"id": op.get("person")})
    number = str(op.get("nik") or "")
    number = number if number == nik or "*" in number else mask(number) if number else "—"
    kind = op.get("op")
    if kind == "rename":
        return _("Nama %(who)s diperbaiki menjadi %(new)s") % {"who": who, "new": op.get("nama")}
    if kind == "fix_nik":
        return _("NIK %(who)s diperbaiki menjadi %(nik)s") % {"who": who, "nik": number}
    if kind == "remove":
        return _("%(who)s dihapus dari keluarga") % {"who": who}
    if kind == "head":
        return _("%(who)s menjadi kepala keluarga") % {"who": who}
    if kind == "add":
        return _("Tambah anggota %(name)s (NIK %(nik)s)") % {"name": op.get("nama"),
                                                             "nik": number}
    if kind == "address":
        return _("Alamat menjadi: %(alamat)s") % {"alamat": op.get("alamat")}
    return str(kind)


def _verifications(families: list[Family], nik: str, viewer: Any,
                   scrub: _Scrub) -> tuple[list[Any], list[VerificationRecord], list[int]]:
    rows = list(Verification.objects.for_user(viewer).filter(family__in=families)
                .select_related("campaign", "updated_by", "reviewed_by")
                .order_by("campaign__opens_on", "pk"))
    names = dict(Person.objects.for_user(viewer).filter(family__in=families)
                 .values_list("pk", "nama"))
    photos: dict[int, int] = {}
    for vid in Evidence.objects.filter(verification__in=rows).values_list("verification_id",
                                                                          flat=True):
        photos[vid] = photos.get(vid, 0) + 1
    requests: dict[int, list[str]] = {}
    request_ids = []
    for r in (ChangeRequest.objects.filter(verification__in=rows)
              .select_related("requested_by", "decided_by").order_by("requested_at", "pk")):
        request_ids.append(r.pk)
        outcome = outcome_label(r.changes.get("outcome")) or r.changes.get("outcome") or "—"
        requests.setdefault(r.verification_id, []).append(scrub(
            _("%(when)s oleh %(who)s: hasil menjadi %(outcome)s; alasan: %(why)s; %(state)s")
            % {"when": _when(r.requested_at), "who": _who(r.requested_by), "outcome": outcome,
               "why": r.why, "state": r.get_state_display()}))
    records = [VerificationRecord(
        pk=v.pk, family_pk=v.family_id,
        campaign=f"{v.campaign.name} ({v.campaign.period})",
        outcome=outcome_label(v.outcome) or "—", reason=reason_label(v.reason) or "—",
        note=scrub(v.note) or "—", review=v.get_review_display() or _("Belum diisi"),
        return_reason=scrub(v.return_reason) or "—",
        updated_by=_who(v.updated_by) if v.updated_by_id else "—",
        updated_at=_when(v.updated_at), submitted_at=_when(v.submitted_at),
        reviewed_by=_who(v.reviewed_by) if v.reviewed_by_id else "—",
        reviewed_at=_when(v.reviewed_at), channel=v.source,
        corrections=[scrub(_correction(op, names, nik)) for op in v.corrections or []],
        photos=photos.get(v.pk, 0), change_requests=requests.get(v.pk, []),
    ) for v in rows]
    return rows, records, request_ids


def _proposed_member(member: dict[str, Any], nik: str) -> str:
    """A member of an usulan: the subject with what was written about them, others by name."""
    number = normalize_number(member.get("nik"))
    relation = codes.HUBUNGAN.label(member.get("hubungan")) or "—"
    if number != nik:
        return f"{member.get('nama') or '—'} (NIK {mask(number)}, {relation})"
    return _("%(nama)s (subjek data, NIK %(nik)s, %(rel)s, lahir %(birth)s)") % {
        "nama": member.get("nama") or "—", "nik": number, "rel": relation,
        "birth": member.get("tanggal_lahir") or "—"}


def _proposals(nik: str, viewer: Any, scrub: _Scrub) -> tuple[list[Any], list[Row]]:
    """Usulan baru listing this NIK among its members (members are JSON: searched as text)."""
    candidates = (Proposal.objects.for_user(viewer)
                  .annotate(members_text=Cast("members", TextField()))
                  .filter(members_text__contains=nik)
                  .select_related("campaign", "desa", "created_by").order_by("created_at", "pk"))
    found, rows = [], []
    for p in candidates:
        if not any(normalize_number(m.get("nik")) == nik for m in p.members or []
                   if isinstance(m, dict)):
            continue
        found.append(p)
        members = "; ".join(_proposed_member(m, nik) for m in p.members if isinstance(m, dict))
        rows.append(Row(
            what=_("Usulan keluarga baru #%(id)s, kepala keluarga %(head)s, KK %(kk)s") % {
                "id": p.pk, "head": p.kepala_keluarga, "kk": p.no_kk or "—"},
            when=_when(p.created_at),
            details=scrub(_("%(campaign)s; desa %(desa)s; alamat %(alamat)s; %(jiwa)s jiwa; "
                            "status %(review)s. Anggota: %(members)s") % {
                "campaign": p.campaign.name, "desa": p.desa.name, "alamat": p.alamat or "—",
                "jiwa": p.jiwa, "review": p.get_review_display(), "members": members}),
            by=_who(p.created_by)))
    return found, rows


def _target_entries(families: list[Family], proposals: list[Any],
                    viewer: Any) -> tuple[list[Any], list[Row]]:
    entries = list(TargetListEntry.objects.for_user(viewer)
                   .filter(Q(family__in=families) | Q(proposal__in=proposals))
                   .select_related("target_list").order_by("target_list__year", "pk"))
    rows = [Row(
        what=f"{e.target_list.name} ({e.target_list.year})",
        when=_when(e.target_list.sk_date),
        details=_("SK Bupati %(sk)s; kepala keluarga %(head)s; %(jiwa)s jiwa; desil %(desil)s; "
                  "hasil verifikasi %(outcome)s") % {
            "sk": e.target_list.sk_number, "head": e.kepala_keluarga, "jiwa": e.jiwa,
            "desil": e.desil if e.desil is not None else "—",
            "outcome": outcome_label(e.outcome) or "—"},
    ) for e in entries]
    return entries, rows


def _gesek(entries: list[Any], viewer: Any,
           scrub: _Scrub) -> tuple[dict[str, list[int]], list[Row]]:
    ids: dict[str, list[int]] = {"gesek.assignment": [], "gesek.visit": [], "gesek.need": []}
    rows = []
    for a in (Assignment.objects.for_user(viewer).filter(entry__in=entries)
              .select_related("official__agency", "assigned_by")):
        ids["gesek.assignment"].append(a.pk)
        rows.append(Row(_("Pendamping (Gesek Ekstrem)"), _when(a.assigned_at),
                        f"{a.official.name}, {a.official.position} ({a.official.agency}); "
                        + (_("ditetapkan manual") if a.method == "manual"
                           else _("ditetapkan otomatis")),
                        _who(a.assigned_by) if a.assigned_by_id else _("sistem")))
    for v in (Visit.objects.for_user(viewer).filter(entry__in=entries)
              .select_related("official", "created_by").order_by("visited_on", "pk")):
        ids["gesek.visit"].append(v.pk)
        gps = _("dengan lokasi GPS") if v.latitude is not None else _("tanpa lokasi GPS")
        photo = _("dengan foto") if v.photo else _("tanpa foto")
        rows.append(Row(_("Kunjungan"), _when(v.visited_on),
                        scrub(f"{v.official.name}; {v.notes or '—'}; {photo}; {gps}"),
                        _who(v.created_by) if v.created_by_id else "—"))
    for n in (Need.objects.for_user(viewer).filter(entry__in=entries)
              .select_related("referred_to", "recorded_by").order_by("recorded_at", "pk")):
        ids["gesek.need"].append(n.pk)
        referred = str(n.referred_to) if n.referred_to_id else "—"
        rows.append(Row(_("Kebutuhan: %(kind)s") % {"kind": n.get_kind_display()},
                        _when(n.recorded_at),
                        scrub(_("%(strategy)s; status %(status)s; dirujuk ke %(agency)s; "
                                "%(note)s") % {
                            "strategy": n.get_strategy_display(),
                            "status": n.get_status_display(), "agency": referred,
                            "note": n.note or "—"}),
                        _who(n.recorded_by) if n.recorded_by_id else "—"))
    return ids, rows


def _interventions(families: list[Family], persons: list[Person], viewer: Any,
                   ) -> tuple[list[Any], list[Row]]:
    found = list(Intervention.objects.for_user(viewer)
                 .filter(Q(family__in=families) | Q(person__in=persons))
                 .select_related("programme__agency", "person", "created_by")
                 .order_by("delivered_on", "pk"))
    subject_ids = {p.pk for p in persons}
    rows = []
    for i in found:
        if i.person_id in subject_ids:
            to = _("diri subjek")
        elif i.person_id:
            to = _("anggota keluarga lain")
        else:
            to = _("keluarga")
        rows.append(Row(
            f"{i.programme.name} ({i.programme.agency})", _when(i.delivered_on),
            _("%(kind)s; penerima: %(to)s; nilai Rp %(amount)s; %(status)s") % {
                "kind": i.programme.get_kind_display(), "to": to,
                "amount": number_format(i.amount, force_grouping=True),
                "status": i.get_status_display()},
            _who(i.created_by) if i.created_by_id else "—"))
    return found, rows


def _beneficiary_rows(nik: str, scrub: _Scrub) -> tuple[list[Any], list[Row]]:
    """Rows of agencies' beneficiary lists with this NIK (kept even when they matched nobody).

    Not area-scoped: an unmatched row has no area yet (only the desa code written in the file);
    the report is for the admin kabupaten, who sees the whole instance."""
    found = list(UnmatchedRow.objects.filter(nik=nik)
                 .select_related("upload__programme", "resolved_by").order_by("pk"))
    rows = [Row(
        _("Baris %(row)s berkas %(file)s (%(programme)s)") % {
            "row": r.row_number, "file": r.upload.file_name, "programme": r.upload.programme},
        _when(r.upload.uploaded_at),
        scrub(_("nama %(nama)s; status %(state)s; belum cocok karena: %(reason)s") % {
            "nama": r.nama or "—", "state": r.get_state_display(), "reason": r.reason}),
        _who(r.resolved_by) if r.resolved_by_id else "—",
    ) for r in found]
    return found, rows


def _change_text(name: str, change: Any, scrub: _Scrub) -> str:
    if not isinstance(change, dict):
        return ""
    label = CHANGE_LABELS.get(name, name)

    def show(value: Any) -> str:
        if value in (None, "", []):
            return "—"
        if name == "outcome" and value in OUTCOMES:
            return outcome_label(value)
        if name == "reason" and value in MAMPU_REASONS:
            return reason_label(value)
        if name == "review":
            return str(REVIEWS.get(value, value))
        if name == "corrections" and isinstance(value, list):
            return _("%(n)s perbaikan") % {"n": len(value)}
        return scrub(value)

    return f"{label}: {show(change.get('before'))} → {show(change.get('after'))}"


def _details(data: dict[str, Any], scrub: _Scrub) -> str:
    """What an audit event recorded, shortly: its changes, or its simple values."""
    if not isinstance(data, dict):
        return ""
    changes = data.get("changes")
    if isinstance(changes, dict) and changes:
        return "; ".join(t for n, c in changes.items() if (t := _change_text(n, c, scrub)))
    parts = [f"{k}: {v}" for k, v in data.items()
             if isinstance(v, (str, int, float, bool)) and v not in ("", None)
             and k not in _ID_KEYS]
    text = scrub("; ".join(parts))
    return text if len(text) <= 240 else text[:237] + "…"


def _events(direct: dict[str, set[str]], indirect: dict[str, set[str]],
            scrub: _Scrub) -> list[EventRecord]:
    def matching(objects: dict[str, set[str]]) -> Q:
        q = Q(pk__in=[])
        for kind, ids in objects.items():
            if ids:
                q |= Q(object_type=kind, object_id__in=sorted(ids))
        return q

    everything = {k: direct.get(k, set()) | indirect.get(k, set())
                  for k in set(direct) | set(indirect)}
    audit = list(AuditEvent.objects.filter(matching(everything)).select_related("actor"))
    access = list(AccessEvent.objects.filter(matching(everything)).select_related("actor"))
    areas = {e.area_code for e in audit if e.area_code}
    names = dict(Region.objects.filter(code__in=areas).values_list("code", "name"))

    def is_direct(e: Any) -> bool:
        return e.object_id in direct.get(e.object_type, set())

    def obj(e: Any) -> str:
        label = OBJECT_LABELS.get(e.object_type, e.object_type)
        return f"{label} #{e.object_id}" if e.object_type != NOT_FOUND_TYPE else str(label)

    records = [EventRecord(
        at=e.at, when=_when(e.at), kind="audit", action=e.action,
        action_label=str(ACTION_LABELS.get(e.action, e.action)),
        actor=_who(e.actor), area=(f"{names[e.area_code]} ({e.area_code})"
                                   if e.area_code in names else e.area_code or "—"),
        obj=obj(e), direct=is_direct(e), details=_details(e.data, scrub),
    ) for e in audit]
    records += [EventRecord(
        at=e.at, when=_when(e.at), kind="akses", action=e.action,
        action_label=str(ACCESS_LABELS.get(e.action, e.action)), actor=_who(e.actor), area="—",
        obj=obj(e), direct=is_direct(e), details=scrub(_("tujuan: %(p)s") % {"p": e.purpose}),
    ) for e in access]
    records.sort(key=lambda r: (r.at, r.kind, r.action))
    return records


def _ids(rows: Iterable[Any]) -> set[str]:
    return {str(r.pk) for r in rows}


def _sources(persons: Sequence[Person], families: Sequence[Family]) -> list[str]:
    batches = {r.batch_id: r.batch for r in [*persons, *families]}
    return [_batch(b) + (f" — {b.family_file_name}" if b.family_file_name else "")
            + (f", {b.person_file_name}" if b.person_file_name else "")
            for _id, b in sorted(batches.items())]


def gather(nik: str, *, viewer: Any) -> SubjectData:
    """Everything Tepat holds about the person with this NIK, within the viewer's area.

    `nik` must already be normalised (`checked_nik`). Reads only; writes nothing."""
    persons, families = _subject_rows(nik, viewer)
    scrub = _Scrub({nik, *(f.no_kk for f in families)})
    data = SubjectData(nik=nik, generated_at=timezone.now())
    data.persons = [PersonRecord(
        pk=p.pk, nama=p.nama or "—", nik=p.nik, source=p.get_source_display(),
        source_person_id=p.source_person_id, family_pk=p.family_id,
        desa=f"{p.desa.name} ({p.desa_id})", batch=_batch(p.batch), flags=_flags(p.flags),
        items=_items(p, scrub)) for p in persons]
    data.families = _family_records(families, nik, viewer, scrub)
    verifications, data.verifications, request_ids = _verifications(families, nik, viewer, scrub)
    proposals, data.proposals = _proposals(nik, viewer, scrub)
    entries, data.target_entries = _target_entries(families, proposals, viewer)
    gesek_ids, data.gesek = _gesek(entries, viewer, scrub)
    interventions, data.interventions = _interventions(families, persons, viewer)
    unmatched, data.beneficiary_rows = _beneficiary_rows(nik, scrub)
    data.sources = _sources(persons, families)

    direct = {
        "registry.person": _ids(persons), "registry.family": _ids(families),
        "verification.verification": _ids(verifications),
        "verification.changerequest": {str(i) for i in request_ids},
        "verification.proposal": _ids(proposals),
        "verification.targetlistentry": _ids(entries),
        **{kind: {str(i) for i in ids} for kind, ids in gesek_ids.items()},
        "interventions.intervention": _ids(interventions),
        "interventions.unmatchedrow": _ids(unmatched),
        NOT_FOUND_TYPE: {mask(nik)},
    }
    # Events about a whole list, import or campaign that held the subject's rows.
    campaign_ids = {v.campaign_id for v in verifications} | {p.campaign_id for p in proposals}
    list_ids = {e.target_list_id for e in entries}
    uploads = {i.upload_id for i in interventions if i.upload_id} | {
        r.upload_id for r in unmatched}
    indirect = {
        "registry.sourcebatch": {str(r.batch_id) for r in [*persons, *families]},
        "verification.campaign": {str(i) for i in campaign_ids},
        "verification.targetlist": {str(i) for i in list_ids},
        "interventions.beneficiaryupload": {str(i) for i in uploads},
    }
    data.events = _events(direct, indirect, scrub)
    return data


# --- the service ---------------------------------------------------------------------------


class _NotFound:
    """The object of the access event when the NIK matched nothing: the NIK, masked."""

    class _meta:  # noqa: N801 - mimics a model's _meta for log_access
        label_lower = NOT_FOUND_TYPE

    def __init__(self, nik: str) -> None:
        self.pk = mask(nik)


def render_html(data: SubjectData, *, actor: Any, purpose: str) -> str:
    with translation.override("id"):
        return render_to_string("audit/subject_report.html", {
            "d": data, "actor": actor, "purpose": purpose,
            "generated": _when(data.generated_at),
            "direct_events": [e for e in data.events if e.direct],
            "context_events": [e for e in data.events if not e.direct],
        })


def subject_report(actor: Any, nik: object, purpose: object,
                   purpose_code: str = SUBJECT_PURPOSE) -> bytes:
    """The data subject report of one NIK as a PDF, for the admin kabupaten.

    Writes one access event (action "subject_report", with the purpose) per person found (or
    per family whose head has the NIK when no person row has it; or, when nothing is held, one
    about the masked NIK), in the same transaction as the reading; the PDF lists them too."""
    if not may_request(actor):
        raise PermissionDenied(_("Hanya admin kabupaten yang boleh membuat laporan subjek data."))
    value = checked_nik(nik)
    stated = checked_purpose(purpose, purpose_code)
    with transaction.atomic():
        persons, families = _subject_rows(value, actor)
        logged_families = [f for f in families if f.nik == value
                           and not any(p.family_id == f.pk for p in persons)]
        targets: list[Any] = [*persons, *logged_families] or [_NotFound(value)]
        for obj in targets:
            log_access(actor=actor, action=ACTION, obj=obj, purpose=stated.text,
                       purpose_code=stated.code)
        data = gather(value, viewer=actor)
        # Rendered inside the transaction: a report that fails to render is not logged as made.
        shown = f"{_(PURPOSES[stated.code])}: {stated.text}"
        return html_to_pdf(render_html(data, actor=actor, purpose=shown))
