"""The desa's and the kecamatan's work in a campaign: every write is one of these functions.

Each runs in one transaction, locks the rows it changes, checks the campaign's state, the
actor's role and area, the outcome rules of `tepat.core.outcomes` and the optimistic version
the form was opened with, then writes one audit event per record changed (with before/after)
and refreshes the desa's tallies. A refusal is a `RuleError` in the user's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tepat.accounts import roles
from tepat.audit.services import EACH, MANY, log_event, write_service
from tepat.core import corrections as corr
from tepat.core.identity import check_kk, mask, normalize_number
from tepat.core.outcomes import (
    DESA_EDITABLE,
    OUTCOMES,
    Review,
    may_move,
    may_take_back,
    outcome_problems,
)
from tepat.linkage import matching as linkage
from tepat.linkage.engine import RECORD_SCHEMA
from tepat.registry.clusters import linked_families
from tepat.registry.models import Family, Person, kk_in, nik_in
from tepat.verification import stats
from tepat.verification.errors import Conflict, RuleError, formula_problems
from tepat.verification.evidence import checked_document, resized_photo
from tepat.verification.labels import outcome_label
from tepat.verification.models import (
    Campaign,
    CampaignState,
    CrossAreaDuplicate,
    DesaSubmission,
    Evidence,
    Musdes,
    Proposal,
    ProposedNik,
    Verification,
)

AUDITED_FIELDS = ("outcome", "reason", "note", "destination", "duplicate_of_id", "corrections",
                  "latitude", "longitude", "review", "return_reason")


# --- shared checks ----------------------------------------------------------------------------


def in_area(user: Any, desa_code: str) -> bool:
    """Whether the desa lies in the user's area (kabupaten, kecamatan or the desa itself)."""
    area = getattr(user, "area_id", None)
    return bool(area) and (desa_code == area or desa_code.startswith(area + "."))


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise RuleError(message)


def _require_verifier(actor: Any, desa_code: str | None) -> None:
    """`desa_code` None: a record that does not exist, refused like one outside the area."""
    _require(roles.can_verify(actor) and desa_code is not None and in_area(actor, desa_code),
             _("Anda tidak boleh memverifikasi keluarga di desa ini."))


def _require_reviewer(actor: Any, desa_code: str | None) -> None:
    _require(roles.can_review(actor) and desa_code is not None and in_area(actor, desa_code),
             _("Anda tidak boleh memeriksa verifikasi di desa ini."))


def _require_open(campaign: Campaign) -> None:
    if campaign.state != CampaignState.OPEN:
        raise RuleError(_("Kampanye %(name)s tidak sedang dibuka (status: %(state)s); "
                          "data tidak bisa diubah.")
                        % {"name": campaign.name, "state": campaign.get_state_display()})


def _require_reviewable(campaign: Campaign) -> None:
    if campaign.state not in (CampaignState.OPEN, CampaignState.CLOSED):
        raise RuleError(_("Kampanye %(name)s sudah difinalkan; perubahan hanya lewat "
                          "permintaan perubahan.") % {"name": campaign.name})


def _check_version(record: Verification | Proposal, expected: int | None) -> None:
    if expected is not None and record.version != expected:
        who = getattr(record, "updated_by", None) or getattr(record, "reviewed_by", None)
        when = record.updated_at or timezone.now()
        raise Conflict(
            who.get_full_name() or who.username if who else _("pengguna lain"),
            date_format(timezone.localtime(when), "DATETIME_FORMAT"),
        )


def _snapshot(v: Verification) -> dict[str, Any]:
    data = {name: getattr(v, name) for name in AUDITED_FIELDS}
    data["corrections"] = corr.masked(v.corrections or [])
    for name in ("latitude", "longitude"):
        data[name] = str(data[name]) if data[name] is not None else None
    return data


def _audit(action: str, actor: Any, v: Verification, before: dict[str, Any], **extra: Any) -> None:
    after = _snapshot(v)
    changed = {k: {"before": before[k], "after": after[k]}
               for k in after if before.get(k) != after[k]}
    log_event(action, actor=actor, obj=v, area_code=v.desa_id,
              data={"family_id": v.family_id, "campaign_id": v.campaign_id,
                    "changes": changed, **extra})


def _locked(ids: Sequence[int], campaign: Campaign, actor: Any,
            require: Any) -> list[Verification]:
    """The chosen verifications of the campaign, locked; every one of them or a refusal.
    `require(actor, desa)` checks each; an id that does not exist (or not in this campaign)
    is refused with the same words as one outside the actor's area: no oracle."""
    if not ids:
        raise RuleError(_("Pilih minimal satu keluarga."))
    rows = list(
        Verification.objects.unscoped("service: the caller checks each locked row against "
                                      "the actor's area")
        .select_for_update(of=("self",))
        .select_related("family", "updated_by", "reviewed_by")
        .filter(campaign=campaign, pk__in=list(ids))
        .order_by("pk")
    )
    if len(rows) != len(set(ids)):
        require(actor, None)
    for v in rows:
        require(actor, v.desa_id)
    return rows


# --- the desa's verification of one family ----------------------------------------------------


@dataclass
class Findings:
    """What the desa found about a family: the form's cleaned data."""

    outcome: str = ""
    reason: str = ""
    note: str = ""
    destination: str = ""
    duplicate_of: int | None = None
    corrections: list[dict[str, Any]] = field(default_factory=list)
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _members(family_id: int) -> dict[int, corr.Member]:
    return {
        p.pk: corr.Member(p.pk, p.tanggal_lahir, p.jenis_kelamin or None, p.hubungan or None)
        for p in Person.objects.unscoped("service: members of a family whose verification "
                                         "was checked against the actor's area")
        .filter(family_id=family_id).only(
            "pk", "tanggal_lahir", "jenis_kelamin", "hubungan")
    }


def _checked_corrections(v: Verification, operations: Sequence[dict[str, Any]],
                         today: date | None) -> list[dict[str, Any]]:
    cleaned, problems = corr.check_corrections(operations, _members(v.family_id), today=today)
    if problems:
        english = translation_is_english()
        raise RuleError(*[
            ("corrections", _("Perbaikan ke-%(n)s: %(msg)s") % {
                "n": p.index + 1, "msg": p.message_en if english else p.message_id})
            for p in problems
        ])
    return cleaned


def translation_is_english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "id").startswith("en")


def _rule_problems(findings: Findings) -> list[tuple[str, str]]:
    english = translation_is_english()
    return [(p.field, p.message_en if english else p.message_id)
            for p in outcome_problems(findings.outcome, reason=findings.reason, note=findings.note,
                                      duplicate_of=findings.duplicate_of,
                                      corrections=len(findings.corrections))]


# The one rule for the family a GANDA verification duplicates, whatever the channel (the web
# form's choices, an ODK/Kobo import, a service call): another family of the same desa. One
# refusal for every reason (unknown id, the family itself, another desa or kecamatan), so
# that trying ids tells nothing about families outside the desa (DESIGN.md §10, "No oracle").
DUPLICATE_REFUSED = gettext_noop("Pilih keluarga dari daftar: keluarga lain di desa ini.")
DUPLICATE_REFUSED_EN = "Choose a family from the list: another family of this village."


def duplicate_choices(v: Verification) -> QuerySet[Family]:
    """The families GANDA may point to for this verification: the other families of its desa."""
    return Family.objects.for_area(v.desa_id).exclude(pk=v.family_id)


def likely_duplicates(v: Verification) -> list[int]:
    """The families of the desa holding a record of the same person (person cluster) as a
    member of this family: put first among the GANDA choices, marked "kemungkinan ganda"."""
    return linked_families(v.family_id, v.desa_id)


def may_duplicate(v: Verification, family_id: int | None) -> bool:
    return family_id is not None and duplicate_choices(v).filter(pk=family_id).exists()


def _check_duplicate(v: Verification, duplicate_of: int | None) -> None:
    if duplicate_of is not None and not may_duplicate(v, duplicate_of):
        raise RuleError(("duplicate_of", _(DUPLICATE_REFUSED)))


@write_service()
def save_verification(
    verification_id: int,
    findings: Findings,
    *,
    actor: Any,
    expected_version: int | None,
    submit: bool = False,
    photos: Sequence[UploadedFile] = (),
    photo_gps: tuple[Decimal | None, Decimal | None] = (None, None),
    channel: str = "web",
    today: date | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> Verification:
    """Save the desa's findings as a draft, or submit them to the kecamatan.

    `audit_extra` joins the audit event's data (e.g. the ODK instance id of an import)."""
    prepared = prepare_photos(photos)
    with transaction.atomic():
        v = Verification.objects.unscoped(
            "service: fetched by id, then _require_verifier checks the actor's area"
        ).select_for_update(of=("self",)).select_related(
            "campaign", "updated_by").filter(pk=verification_id).first()
        _require_verifier(actor, v.desa_id if v else None)  # unknown id: the same refusal
        assert v is not None
        _require_open(v.campaign)
        _check_version(v, expected_version)
        if (v.review or None) not in DESA_EDITABLE:
            raise RuleError(_("Verifikasi ini sudah dikirim (%(state)s) dan menunggu kecamatan; "
                              "hanya bisa diubah setelah dikembalikan.")
                            % {"state": v.get_review_display()})
        findings.corrections = _checked_corrections(v, findings.corrections, today)
        if findings.corrections and findings.outcome == "LAYAK":
            findings.outcome = "LAYAK_BERUBAH"  # corrections attached: DESIGN.md §3
        _check_duplicate(v, findings.duplicate_of)
        if findings.outcome and findings.outcome not in OUTCOMES:
            raise RuleError(("outcome", _("Hasil verifikasi tidak dikenal.")))
        if submit and (problems := _rule_problems(findings)):
            raise RuleError(*problems)
        before = _snapshot(v)
        _apply(v, findings, actor, Review.SUBMITTED if submit else Review.DRAFT, channel)
        for photo in prepared:
            _add_photo(v, photo, actor=actor, latitude=photo_gps[0], longitude=photo_gps[1])
        _audit("verification.submitted" if submit else "verification.saved", actor, v, before,
               channel=channel, photos=len(photos), **(audit_extra or {}))
        stats.refresh_desa(v.campaign, [v.desa_id])
    return v


def _apply(v: Verification, findings: Findings, actor: Any, review: str, channel: str) -> None:
    v.outcome = findings.outcome
    v.reason = findings.reason if findings.outcome == "MAMPU" else ""
    v.note = findings.note
    v.destination = findings.destination if findings.outcome == "PINDAH" else ""
    v.duplicate_of_id = findings.duplicate_of if findings.outcome == "GANDA" else None
    v.corrections = findings.corrections
    if findings.latitude is not None and findings.longitude is not None:
        v.latitude, v.longitude = findings.latitude, findings.longitude
    v.review = review
    v.return_reason = v.return_reason if review == Review.DRAFT else ""
    v.version += 1
    v.updated_by, v.updated_at = actor, timezone.now()
    v.source = channel
    if review == Review.SUBMITTED:
        v.submitted_at = v.updated_at
    v.save()


def prepare_photos(uploads: Sequence[UploadedFile]) -> list[tuple[Any, int, int]]:
    """Every photo checked and resized before anything is stored: one unreadable photo
    refuses the save without leaving the others on disk."""
    return [resized_photo(upload) for upload in uploads]


def _add_photo(v: Verification | None, photo: tuple[Any, int, int], *, actor: Any,
              latitude: Decimal | None = None, longitude: Decimal | None = None,
              proposal: Proposal | None = None) -> Evidence:
    """Store one prepared photo (inside the verification's or proposal's write)."""
    content, width, height = photo
    evidence = Evidence(verification=v, proposal=proposal, width=width, height=height,
                        latitude=latitude, longitude=longitude, uploaded_by=actor)
    evidence.photo.save(content.name, content, save=False)
    evidence.save()
    return evidence


@write_service(MANY)
def bulk_outcome(
    campaign: Campaign,
    verification_ids: Sequence[int],
    *,
    actor: Any,
    outcome: str,
    reason: str = "",
    note: str = "",
    submit: bool = False,
) -> int:
    """One outcome for many families (paper results of the musdes); all or nothing.

    Outcomes that need a per-family detail (the family a duplicate duplicates, the corrections
    of a changed family) cannot be given in bulk.
    """
    if outcome in ("GANDA", "LAYAK_BERUBAH"):
        raise RuleError(("outcome", _("Hasil '%(label)s' memerlukan rincian per keluarga; "
                                      "isi satu per satu.") % {"label": outcome_label(outcome)}))
    findings = Findings(outcome=outcome, reason=reason, note=note)
    if problems := _rule_problems(findings):
        raise RuleError(*problems)
    with transaction.atomic():
        _require_open(campaign)
        rows = _locked(verification_ids, campaign, actor, _require_verifier)
        for v in rows:
            if (v.review or None) not in DESA_EDITABLE:
                raise RuleError(_("Keluarga %(name)s sudah dikirim; batalkan pilihannya.")
                                % {"name": v.family.kepala_keluarga})
        review = Review.SUBMITTED if submit else Review.DRAFT
        for v in rows:
            before = _snapshot(v)
            _apply(v, Findings(outcome, reason, note, corrections=v.corrections
                               if outcome == "LAYAK_BERUBAH" else []), actor, review, "bulk")
            _audit("verification.submitted" if submit else "verification.saved", actor, v,
                   before, channel="bulk")
        stats.refresh_desa(campaign, {v.desa_id for v in rows})
    return len(rows)


# --- the kecamatan's review -----------------------------------------------------------------


@write_service(MANY)
def review(
    campaign: Campaign,
    verification_ids: Sequence[int],
    *,
    actor: Any,
    approve: bool,
    reason: str = "",
) -> int:
    """Approve, or return with a reason, submitted verifications; all or nothing."""
    if not approve and not reason.strip():
        raise RuleError(("return_reason", _("Tulis alasan pengembalian untuk desa.")))
    target = Review.APPROVED if approve else Review.RETURNED
    with transaction.atomic():
        _require_reviewable(campaign)
        rows = _locked(verification_ids, campaign, actor, _require_reviewer)
        for v in rows:
            if not may_move(v.review or None, target):
                raise RuleError(_("Keluarga %(name)s belum dikirim desa (status: %(state)s); "
                                  "tidak bisa %(action)s.") % {
                    "name": v.family.kepala_keluarga,
                    "state": v.get_review_display() or _("belum diverifikasi"),
                    "action": _("disetujui") if approve else _("dikembalikan")})
        now = timezone.now()
        for v in rows:
            before = _snapshot(v)
            v.review, v.reviewed_by, v.reviewed_at = target, actor, now
            v.return_reason = "" if approve else reason.strip()
            v.version += 1
            v.save(update_fields=["review", "reviewed_by", "reviewed_at", "return_reason",
                                  "version"])
            _audit("verification.approved" if approve else "verification.returned", actor, v,
                   before)
        stats.refresh_desa(campaign, {v.desa_id for v in rows})
    return len(rows)


@write_service(MANY)
def review_desa(campaign: Campaign, desa_code: str, *, actor: Any, approve: bool,
                reason: str = "") -> int:
    """The desa's batch at once: every submitted verification of the desa."""
    ids = list(Verification.objects.for_area(desa_code).filter(
        campaign=campaign, review=Review.SUBMITTED
    ).values_list("pk", flat=True))
    if not ids:
        raise RuleError(_("Tidak ada verifikasi yang menunggu persetujuan di desa ini."))
    return review(campaign, ids, actor=actor, approve=approve, reason=reason)


# --- musdes and the desa's final batch --------------------------------------------------------


@write_service()
def record_musdes(campaign: Campaign, desa_code: str, *, actor: Any, held_on: date,
                  attendance: int, berita_acara: UploadedFile | None, note: str = "") -> Musdes:
    _require_verifier(actor, desa_code)
    if attendance <= 0:
        raise RuleError(("attendance", _("Jumlah hadir harus lebih dari 0.")))
    if held_on > timezone.localdate():
        raise RuleError(("held_on", _("Tanggal musdes tidak boleh di masa depan.")))
    document = checked_document(berita_acara) if berita_acara else None
    with transaction.atomic():
        _require_open(campaign)
        musdes = Musdes.objects.select_for_update().filter(
            campaign=campaign, desa_id=desa_code).first()
        if musdes is None and document is None:
            raise RuleError(("berita_acara", _("Unggah berita acara musdes yang sudah "
                                               "ditandatangani.")))
        musdes = musdes or Musdes(campaign=campaign, desa_id=desa_code,
                                  kecamatan_id=desa_code.rsplit(".", 1)[0])
        musdes.held_on, musdes.attendance, musdes.note = held_on, attendance, note
        musdes.uploaded_by = actor
        if document is not None:
            musdes.berita_acara.save(document.name, document, save=False)
        musdes.save()
        log_event("verification.musdes.recorded", actor=actor, obj=musdes, area_code=desa_code,
                  data={"campaign_id": campaign.pk, "held_on": held_on.isoformat(),
                        "attendance": attendance, "document": bool(document)})
    return musdes


@write_service(MANY)
def submit_desa(campaign: Campaign, desa_code: str, *, actor: Any) -> int:
    """Send the desa's final batch: needs the berita acara and an outcome for every family."""
    _require_verifier(actor, desa_code)
    with transaction.atomic():
        _require_open(campaign)
        if not Musdes.objects.filter(campaign=campaign, desa_id=desa_code).exclude(
                berita_acara="").exists():
            raise RuleError(_("Desa belum mengunggah berita acara musdes; hasil akhir desa "
                              "tidak bisa dikirim tanpanya."))
        rows = list(Verification.objects.for_area(desa_code).select_for_update(
            of=("self",)).filter(campaign=campaign).select_related("family"))
        missing = [v for v in rows if (v.review or None) in DESA_EDITABLE and not v.outcome]
        if missing:
            raise RuleError(_("%(n)s keluarga belum diberi hasil verifikasi; lengkapi dulu.")
                            % {"n": len(missing)})
        drafts = [v for v in rows if (v.review or None) in DESA_EDITABLE]
        for v in drafts:
            findings = Findings(v.outcome, v.reason, v.note, v.destination, v.duplicate_of_id,
                                v.corrections)
            if problems := _rule_problems(findings):
                raise RuleError(*[(f, f"{v.family.kepala_keluarga}: {m}") for f, m in problems])
        for v in drafts:
            before = _snapshot(v)
            v.review, v.submitted_at = Review.SUBMITTED, timezone.now()
            v.updated_by, v.updated_at, v.version = actor, v.submitted_at, v.version + 1
            v.save(update_fields=["review", "submitted_at", "updated_by", "updated_at",
                                  "version"])
            _audit("verification.submitted", actor, v, before, channel="desa_batch")
        submission, _created = DesaSubmission.objects.get_or_create(
            campaign=campaign, desa_id=desa_code,
            defaults={"kecamatan_id": desa_code.rsplit(".", 1)[0], "submitted_by": actor})
        log_event("verification.desa.submitted", actor=actor, obj=submission,
                  area_code=desa_code, data={"campaign_id": campaign.pk, "sent": len(drafts)})
        stats.refresh_desa(campaign, [desa_code])
    return len(drafts)


@write_service(MANY)
def take_back_desa(campaign: Campaign, desa_code: str, *, actor: Any) -> int:
    """The desa takes back its sent batch while the kecamatan has decided nothing of it: every
    verification waiting for the kecamatan goes back to draft, the batch is undone.

    Race-safe: the batch and the desa's verifications are locked first (the kecamatan's
    `review` locks the verifications it decides), so a decision committed before this call is
    seen and refuses it, and one that comes after finds drafts and is refused."""
    _require_verifier(actor, desa_code)
    with transaction.atomic():
        _require_open(campaign)
        batch = DesaSubmission.objects.select_for_update().filter(
            campaign=campaign, desa_id=desa_code).first()
        if batch is None:
            raise RuleError(_("Desa belum mengirim hasil akhir; tidak ada yang ditarik kembali."))
        rows = list(Verification.objects.for_area(desa_code).select_for_update(
            of=("self",)).filter(campaign=campaign).order_by("pk"))
        started = any(v.reviewed_at and v.reviewed_at >= batch.submitted_at for v in rows)
        waiting = [v for v in rows if may_take_back(v.review or None, review_started=started)]
        if started:
            raise RuleError(_("Kecamatan sudah mulai memeriksa kiriman ini; hasil akhir desa "
                              "tidak bisa ditarik kembali. Minta kecamatan mengembalikan "
                              "keluarga yang perlu diperbaiki."))
        now = timezone.now()
        for v in waiting:
            before = _snapshot(v)
            v.review, v.submitted_at = Review.DRAFT, None
            v.updated_by, v.updated_at, v.version = actor, now, v.version + 1
            v.save(update_fields=["review", "submitted_at", "updated_by", "updated_at",
                                  "version"])
            _audit("verification.taken_back", actor, v, before, channel="desa_batch")
        log_event("verification.desa.taken_back", actor=actor, obj=batch, area_code=desa_code,
                  data={"campaign_id": campaign.pk, "taken_back": len(waiting),
                        "sent_at": batch.submitted_at.isoformat()})
        batch.delete()
        stats.refresh_desa(campaign, [desa_code])
    return len(waiting)


# --- usulan baru ------------------------------------------------------------------------------


@dataclass
class NewFamily:
    kepala_keluarga: str
    no_kk: str = ""
    alamat: str = ""
    members: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _matching(desa_code: str, family: NewFamily) -> tuple[Q, set[str], str | None, dict]:
    """The query of registry families that may be the proposed one, and its keys."""
    niks = {n for m in family.members if m.get("nik") and (n := normalize_number(m.get("nik")))}
    kk = normalize_number(family.no_kk)
    match = Q(pk__in=[])
    # A registry NIK or KK whose digits were lost (issue 17 §2) never matches anyone.
    if kk:
        match |= kk_in([kk])
    if niks:
        match |= nik_in(niks) | Q(
            pk__in=Person.objects.filter(nik_in(niks))
            .values("family_id"))  # a subquery: not checked
    head = next((m for m in family.members if m.get("hubungan") == "1"), None)
    head_key = {}
    if head and head.get("tanggal_lahir"):
        head_key = {"desa_id": desa_code, "kepala_keluarga__iexact":
                    family.kepala_keluarga.strip(), "tanggal_lahir": head["tanggal_lahir"]}
        match |= Q(**head_key)
    return match, niks, kk, head_key


SIMILAR = "mirip"  # the key of a family only the linkage model found


def _birth_date(value: Any) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _member_records(desa_code: str, family: NewFamily) -> pl.DataFrame:
    """The usulan's members as outside records for the linkage model."""
    schema = {k: v for k, v in RECORD_SCHEMA.items() if k != "unique_id"}
    return pl.DataFrame([{
        "source": "usulan", "record_id": str(number), "nik": normalize_number(m.get("nik")),
        "no_kk": normalize_number(family.no_kk), "nama": (m.get("nama") or "").strip() or None,
        "tanggal_lahir": _birth_date(m.get("tanggal_lahir")),
        "jenis_kelamin": m.get("jenis_kelamin") or None, "desa": desa_code,
        "kecamatan": desa_code.rsplit(".", 1)[0], "hubungan": m.get("hubungan") or None,
    } for number, m in enumerate(family.members)], schema=schema)


def _similar_families(desa_code: str, family: NewFamily) -> set[int]:
    """Registry families with a member the linkage model finds, at or above the review
    threshold, to be one of the usulan's members (a typo in a name or a NIK, another desa)."""
    if not family.members:
        return set()
    found = linkage.match(_member_records(desa_code, family), best=3)
    persons = found.get_column("person_id").unique().to_list()
    if not persons:
        return set()
    return set(Person.objects.unscoped("usulan: the families of members the model found similar")
               .filter(pk__in=persons).values_list("family_id", flat=True))


def possible_duplicates(desa_code: str, family: NewFamily, *, limit: int = 20) -> list[Family]:
    """Registry families that may be the proposed one: same KK or a member's NIK anywhere,
    the same head's name and birth date in the same desa, or a member the linkage model finds
    similar anywhere."""
    return [f for f, _keys in duplicate_matches(desa_code, family, limit=limit)]


def _exact_duplicates(desa_code: str, family: NewFamily, limit: int) -> list[Family]:
    match, _niks, _kk, _head = _matching(desa_code, family)
    # Regency-wide on purpose (the family may be registered in another desa); only ids are
    # stored, pages show only those in the viewer's area (web/views/proposals.py), and a match
    # outside it becomes a `CrossAreaDuplicate` for whoever may see it (DESIGN.md §10).
    return list(Family.objects.unscoped("usulan: possible duplicates searched regency-wide")
                .filter(match).select_related("desa")[:limit])


def duplicate_matches(desa_code: str, family: NewFamily, *, limit: int = 20,
                      ) -> list[tuple[Family, list[str]]]:
    """`possible_duplicates`, each with the keys it matched by: "no_kk", "nik", "kepala", or
    "mirip" when only the linkage model found it (regency-wide too, shown as the others)."""
    found = _exact_duplicates(desa_code, family, limit)
    similar = _similar_families(desa_code, family) - {f.pk for f in found}
    if similar and len(found) < limit:
        found += list(Family.objects.unscoped("usulan: families the model found similar")
                      .filter(pk__in=sorted(similar)).select_related("desa")
                      .order_by("pk")[:limit - len(found)])
    _match, niks, kk, head_key = _matching(desa_code, family)
    holding = set(Person.objects.unscoped("usulan: which matched families hold a proposed NIK")
                  .filter(nik_in(niks), family_id__in=[f.pk for f in found])
                  .values_list("family_id", flat=True)) if niks and found else set()
    head_name = family.kepala_keluarga.strip().casefold()
    matches = []
    for f in found:
        keys = [key for key, hit in (
            ("no_kk", bool(kk) and f.no_kk == kk),
            ("nik", f.nik in niks or f.pk in holding),
            ("kepala", bool(head_key) and f.desa_id == desa_code
             and (f.kepala_keluarga or "").strip().casefold() == head_name
             and str(f.tanggal_lahir) == str(head_key["tanggal_lahir"])),
            (SIMILAR, f.pk in similar),
        ) if hit]
        matches.append((f, keys))
    return matches


def case_area(proposal: Proposal, family: Family) -> str:
    """The smallest area that may see both the usulan and the family it matched."""
    if family.kecamatan_id == proposal.kecamatan_id:
        return proposal.kecamatan_id
    return proposal.kecamatan_id.rsplit(".", 1)[0]


@write_service(EACH)
def sync_cross_area_cases(proposal: Proposal, outside: Sequence[tuple[Family, list[str]]], *,
                          actor: Any) -> int:
    """Open a `CrossAreaDuplicate` for each match outside the proposing user's area (inside the
    usulan's save), and withdraw the open ones the usulan no longer matches. One audit event
    per case opened, changed or withdrawn."""
    cases = {c.family_id: c for c in CrossAreaDuplicate.objects.unscoped(
        "service: the cases of an usulan whose area the caller checked")
        .select_for_update().filter(proposal=proposal)}
    written = 0
    for family, keys in outside:
        case = cases.pop(family.pk, None)
        if case is not None and case.state == CrossAreaDuplicate.State.OPEN \
                and case.keys == keys:
            continue
        if case is None:
            case = CrossAreaDuplicate(campaign_id=proposal.campaign_id, proposal=proposal,
                                      family=family, desa_id=family.desa_id,
                                      kecamatan_id=family.kecamatan_id,
                                      area_id=case_area(proposal, family))
        case.keys, case.state, case.resolved_by, case.resolved_at = (
            keys, CrossAreaDuplicate.State.OPEN, None, None)
        case.save()
        written += _log_case("verification.duplicate_case.opened", actor, case)
    for case in cases.values():
        if case.state == CrossAreaDuplicate.State.OPEN:
            case.state = CrossAreaDuplicate.State.WITHDRAWN
            case.resolved_at = timezone.now()
            case.save(update_fields=["state", "resolved_at"])
            written += _log_case("verification.duplicate_case.withdrawn", actor, case)
    return written


def _log_case(action: str, actor: Any, case: CrossAreaDuplicate) -> int:
    log_event(action, actor=actor, obj=case, area_code=case.area_id,
              data={"proposal_id": case.proposal_id, "family_id": case.family_id,
                    "keys": case.keys, "state": case.state, "note": case.note})
    return 1


RESOLUTIONS = (CrossAreaDuplicate.State.SAME, CrossAreaDuplicate.State.DIFFERENT)


@write_service()
def resolve_cross_area_case(case_id: int, *, actor: Any, state: str,
                            note: str = "") -> CrossAreaDuplicate:
    """The kecamatan (or kabupaten) decides whether the usulan is the registered family."""
    _require(roles.can_review(actor), _("Peran Anda tidak boleh memeriksa kasus ganda."))
    if state not in RESOLUTIONS:
        raise RuleError(("state", _("Pilih keputusan: keluarga yang sama atau bukan.")))
    with transaction.atomic():
        case = CrossAreaDuplicate.objects.for_user(actor).select_for_update().filter(
            pk=case_id).first()
        if case is None:
            raise RuleError(_("Kasus ganda tidak ditemukan di wilayah Anda."))
        if case.state != CrossAreaDuplicate.State.OPEN:
            raise RuleError(_("Kasus ganda ini sudah diputuskan."))
        case.state, case.note = state, note.strip()
        case.resolved_by, case.resolved_at = actor, timezone.now()
        case.save(update_fields=["state", "note", "resolved_by", "resolved_at"])
        _log_case("verification.duplicate_case.resolved", actor, case)
    return case


def _checked_members(members: Sequence[dict[str, Any]], today: date | None) -> list[dict]:
    cleaned, problems = corr.check_corrections(
        [{**m, "op": "add"} for m in members], {}, today=today)
    if problems:
        english = translation_is_english()
        raise RuleError(*[
            ("members", _("Anggota ke-%(n)s: %(msg)s") % {
                "n": p.index + 1, "msg": p.message_en if english else p.message_id})
            for p in problems])
    for m in cleaned:
        m.pop("op")
    if not cleaned:
        raise RuleError(("members", _("Usulan keluarga memerlukan minimal satu anggota.")))
    if sum(m["hubungan"] == "1" for m in cleaned) != 1:
        raise RuleError(("members", _("Tepat satu anggota harus berstatus kepala keluarga.")))
    return cleaned


def _hold_niks(proposal: Proposal, members: Sequence[dict[str, Any]], actor: Any) -> None:
    """Each member's NIK belongs to this proposal alone within the campaign. A NIK held by
    another proposal is refused; in a race, ProposedNik's unique constraint decides: the
    second insert waits for the first commit, then fails, and is refused the same way."""
    niks = [m["nik"] for m in members if m.get("nik")]
    if len(set(niks)) < len(niks):
        raise RuleError(("members", _("Dua anggota memakai NIK yang sama.")))
    ProposedNik.objects.filter(proposal=proposal).exclude(nik__in=niks).delete()
    held = _holders(proposal.campaign_id, niks)
    _refuse_taken(proposal, held, actor)
    try:
        with transaction.atomic():
            ProposedNik.objects.bulk_create([
                ProposedNik(campaign_id=proposal.campaign_id, proposal=proposal, nik=nik)
                for nik in niks if nik not in held])
    except IntegrityError:
        _refuse_taken(proposal, _holders(proposal.campaign_id, niks), actor)
        raise RuleError(("members", _("NIK anggota baru saja dipakai usulan lain; muat ulang "
                                      "halaman lalu simpan lagi."))) from None


def _holders(campaign_id: int, niks: Sequence[str]) -> dict[str, Proposal]:
    rows = ProposedNik.objects.filter(campaign_id=campaign_id, nik__in=niks).select_related(
        "proposal__desa")
    return {row.nik: row.proposal for row in rows}


def _refuse_taken(proposal: Proposal, held: dict[str, Proposal], actor: Any) -> None:
    """A NIK held by another usulan: named (number and desa) when the user may see that usulan;
    outside their area, only "proposed elsewhere" and whom to ask (DESIGN.md §10)."""
    taken = sorted((nik, other) for nik, other in held.items() if other.pk != proposal.pk)
    if taken:
        raise RuleError(*[("members", _(
            "NIK %(nik)s sudah diusulkan di usulan baru #%(id)s (%(desa)s) dalam kampanye ini; "
            "satu orang hanya boleh diusulkan sekali.") % {
                "nik": mask(nik), "id": other.pk, "desa": other.desa.name}
            if in_area(actor, other.desa_id) else _(
            "NIK %(nik)s sudah diusulkan di luar wilayah Anda dalam kampanye ini; satu orang "
            "hanya boleh diusulkan sekali. Tanyakan ke operator kecamatan atau admin kabupaten "
            "Anda.") % {"nik": mask(nik)}) for nik, other in taken])


@write_service(MANY)
def propose_family(campaign: Campaign, desa_code: str, family: NewFamily, *, actor: Any,
                   submit: bool = False, photos: Sequence[UploadedFile] = (),
                   proposal_id: int | None = None, expected_version: int | None = None,
                   today: date | None = None) -> Proposal:
    """Create or update an usulan baru; the identity checks run and possible duplicates are
    recorded (the form shows them before the desa submits)."""
    _require_verifier(actor, desa_code)
    if not family.kepala_keluarga.strip():
        raise RuleError(("kepala_keluarga", _("Nama kepala keluarga harus diisi.")))
    if refused := formula_problems("kepala_keluarga", _("Nama kepala keluarga"),
                                   family.kepala_keluarga):
        raise RuleError(*refused)
    if family.no_kk and (kk_problems := [p for p in check_kk(family.no_kk, today=today)
                                         if p.is_error]):
        raise RuleError(*[("no_kk", f"No. KK: {p.message_id}") for p in kk_problems])
    members = _checked_members(family.members, today)
    prepared = prepare_photos(photos)
    with transaction.atomic():
        _require_open(campaign)
        if proposal_id is None:
            proposal = Proposal(campaign=campaign, desa_id=desa_code, created_by=actor,
                                kecamatan_id=desa_code.rsplit(".", 1)[0])
            before = {}
        else:
            proposal = Proposal.objects.for_area(desa_code).select_for_update().get(
                pk=proposal_id, campaign=campaign)
            _check_version(proposal, expected_version)
            if proposal.review not in (Review.DRAFT, Review.RETURNED):
                raise RuleError(_("Usulan ini sudah dikirim; tunggu keputusan kecamatan."))
            before = {"review": proposal.review, "jiwa": proposal.jiwa}
        proposal.kepala_keluarga = family.kepala_keluarga.strip()
        proposal.no_kk = normalize_number(family.no_kk) or ""
        proposal.alamat, proposal.note = family.alamat, family.note
        proposal.members, proposal.jiwa = members, len(members)
        proposal.latitude, proposal.longitude = family.latitude, family.longitude
        matches = duplicate_matches(desa_code, family)
        proposal.possible_duplicates = [f.pk for f, _keys in matches]
        proposal.review = Review.SUBMITTED if submit else Review.DRAFT
        proposal.version += 1
        proposal.save()
        _hold_niks(proposal, members, actor)
        sync_cross_area_cases(proposal, [(f, keys) for f, keys in matches
                                         if not in_area(actor, f.desa_id)], actor=actor)
        for photo in prepared:
            _add_photo(None, photo, actor=actor, proposal=proposal,
                      latitude=family.latitude, longitude=family.longitude)
        log_event("verification.proposal.submitted" if submit else "verification.proposal.saved",
                  actor=actor, obj=proposal, area_code=desa_code,
                  data={"campaign_id": campaign.pk, "before": before,
                        "jiwa": proposal.jiwa, "no_kk": mask(proposal.no_kk),
                        "possible_duplicates": proposal.possible_duplicates})
        stats.refresh_desa(campaign, [desa_code])
    return proposal


@write_service()
def review_proposal(proposal_id: int, *, actor: Any, approve: bool, reason: str = "") -> Proposal:
    if not approve and not reason.strip():
        raise RuleError(("return_reason", _("Tulis alasan pengembalian untuk desa.")))
    with transaction.atomic():
        proposal = Proposal.objects.unscoped(
            "service: fetched by id, then _require_reviewer checks the actor's area"
        ).select_for_update(of=("self",)).select_related("campaign").filter(
            pk=proposal_id).first()
        _require_reviewer(actor, proposal.desa_id if proposal else None)
        assert proposal is not None
        _require_reviewable(proposal.campaign)
        target = Review.APPROVED if approve else Review.RETURNED
        if not may_move(proposal.review, target):
            raise RuleError(_("Usulan ini belum dikirim desa; tidak bisa diperiksa."))
        before = proposal.review
        proposal.review, proposal.reviewed_by = target, actor
        proposal.reviewed_at, proposal.return_reason = timezone.now(), reason.strip()
        proposal.version += 1
        proposal.save()
        log_event("verification.proposal.approved" if approve
                  else "verification.proposal.returned", actor=actor, obj=proposal,
                  area_code=proposal.desa_id,
                  data={"before": before, "after": target, "reason": reason.strip()})
        stats.refresh_desa(proposal.campaign, [proposal.desa_id])
    return proposal
