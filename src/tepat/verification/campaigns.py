"""The admin kabupaten's side of a campaign: create, open (freeze the baseline), close,
finalize into a versioned target list, and correct a finalized verification by change request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tepat.accounts import roles
from tepat.audit.services import log_event, write_service
from tepat.core import corrections as corr
from tepat.core.outcomes import APPROVED_STATES, REMOVED, Review, outcome_problems
from tepat.registry.clusters import jiwa_once, repeats_sql
from tepat.registry.models import BatchStatus, Family, SourceBatch
from tepat.verification import stats
from tepat.verification.errors import RuleError, formula_problems
from tepat.verification.evidence import checked_evidence
from tepat.verification.models import (
    Campaign,
    CampaignState,
    ChangeRequest,
    Proposal,
    TargetList,
    TargetListEntry,
    Verification,
)


def _require_admin(actor: Any) -> None:
    if not roles.can_manage_campaigns(actor):
        raise RuleError(_("Hanya admin kabupaten yang mengelola kampanye."))


def _require_state(campaign: Campaign, *states: str) -> None:
    if campaign.state not in states:
        raise RuleError(_("Kampanye %(name)s berstatus %(state)s; langkah ini tidak bisa "
                          "dilakukan.") % {"name": campaign.name,
                                           "state": campaign.get_state_display()})


@dataclass
class CampaignPlan:
    name: str
    period: str
    source: str
    opens_on: date
    closes_on: date
    finalize_by: date
    desil: str = ""
    kecamatan_scope: str = ""


def _check_plan(plan: CampaignPlan) -> None:
    problems = []
    if not plan.name.strip():
        problems.append(("name", _("Nama kampanye harus diisi.")))
    problems += formula_problems("name", _("Nama kampanye"), plan.name)
    if plan.closes_on < plan.opens_on:
        problems.append(("closes_on", _("Tanggal tutup harus sesudah tanggal buka.")))
    if plan.finalize_by < plan.closes_on:
        problems.append(("finalize_by", _("Tanggal finalisasi harus sesudah tanggal tutup.")))
    try:
        desil = [int(d) for d in plan.desil.replace(" ", "").split(",") if d]
    except ValueError:
        desil = [-1]
    if any(not 1 <= d <= 10 for d in desil):
        problems.append(("desil", _("Desil harus angka 1–10, dipisah koma (mis. 1 atau 1,2).")))
    if problems:
        raise RuleError(*problems)


@write_service()
def create_campaign(plan: CampaignPlan, *, actor: Any) -> Campaign:
    _require_admin(actor)
    _check_plan(plan)
    with transaction.atomic():
        campaign = Campaign.objects.create(created_by=actor, **plan.__dict__)
        log_event("verification.campaign.created", actor=actor, obj=campaign,
                  data={"plan": {k: str(v) for k, v in plan.__dict__.items()}})
    return campaign


def scope_families(campaign: Campaign, viewer: Any):
    """The registry families the campaign's scope selects, within the viewer's area (the admin
    kabupaten: the whole regency)."""
    families = Family.objects.for_user(viewer).filter(source=campaign.source)
    if campaign.desil_list:
        families = families.filter(desil__in=campaign.desil_list)
    if campaign.kecamatan_list:
        families = families.filter(kecamatan_id__in=campaign.kecamatan_list)
    return families


def _freeze_baseline(campaign: Campaign, actor: Any) -> None:
    """One verification row per family in scope, with its area and member count of today (a
    person counted once per cluster: `registry.clusters`), in one INSERT … SELECT (150k
    families in about a second)."""
    select_sql, params = scope_families(campaign, actor).values_list(
        "pk", "desa_id", "kecamatan_id", "member_count").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO {Verification._meta.db_table}
                (campaign_id, family_id, desa_id, kecamatan_id, jiwa, outcome, reason, note,
                 destination, corrections, review, return_reason, version, source)
            SELECT {int(campaign.pk)}, s.pk, s.desa_id, s.kecamatan_id,
                   s.member_count - COALESCE(r.n, 0), '', '', '', '', '[]', '', '', 0, 'web'
            FROM ({select_sql}) AS s LEFT JOIN ({repeats_sql()}) r ON r.family_id = s.pk
            """,
            params,
        )


@write_service()
def open_campaign(campaign: Campaign, *, actor: Any) -> Campaign:
    """Freeze the baseline: from now on later imports never move the denominators."""
    _require_admin(actor)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require_state(campaign, CampaignState.DRAFT)
        _freeze_baseline(campaign, actor)
        baseline = Verification.objects.for_user(actor).filter(campaign=campaign)
        totals = baseline.aggregate(k=Sum(1), j=Sum("jiwa"))
        if not totals["j"]:
            raise RuleError(_("Tidak ada keluarga di registri yang masuk cakupan kampanye ini; "
                              "impor datanya dulu atau ubah cakupan."))
        campaign.baseline_keluarga = baseline.count()
        campaign.baseline_jiwa = totals["j"]
        campaign.scope_batch = SourceBatch.objects.filter(
            source=campaign.source, status=BatchStatus.DONE).order_by("-finished_at").first()
        campaign.state, campaign.opened_at = CampaignState.OPEN, timezone.now()
        campaign.save()
        stats.rebuild(campaign)
        log_event("verification.campaign.opened", actor=actor, obj=campaign,
                  data={"baseline_keluarga": campaign.baseline_keluarga,
                        "baseline_jiwa": campaign.baseline_jiwa,
                        "scope_batch": campaign.scope_batch_id})
    return campaign


@write_service()
def close_campaign(campaign: Campaign, *, actor: Any) -> Campaign:
    """Desa can no longer change anything; the kecamatan may finish its review."""
    _require_admin(actor)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require_state(campaign, CampaignState.OPEN)
        campaign.state, campaign.closed_at = CampaignState.CLOSED, timezone.now()
        campaign.save(update_fields=["state", "closed_at"])
        log_event("verification.campaign.closed", actor=actor, obj=campaign)
    return campaign


# --- finalization and target lists --------------------------------------------------------------


@dataclass
class Decree:
    name: str
    year: int
    sk_number: str
    sk_date: date
    previous: TargetList | None = None


def _check_decree(decree: Decree) -> None:
    problems = []
    if not decree.sk_number.strip():
        problems.append(("sk_number", _("Nomor SK Bupati harus diisi.")))
    if not decree.name.strip():
        problems.append(("name", _("Nama daftar sasaran harus diisi.")))
    problems += formula_problems("sk_number", _("Nomor SK Bupati"), decree.sk_number)
    problems += formula_problems("name", _("Nama daftar sasaran"), decree.name)
    if problems:
        raise RuleError(*problems)


@write_service()
def finalize_campaign(campaign: Campaign, decree: Decree, *, actor: Any) -> TargetList:
    """Fix the target list: approved still-target families with their approved corrections,
    families whose verification was not approved (never verified, a draft, a returned one:
    carried over as the registry has them, outcome empty; nobody leaves the list without an
    approved verification), approved proposals. See `approved_findings`."""
    _require_admin(actor)
    _check_decree(decree)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require_state(campaign, CampaignState.CLOSED)
        verifications = Verification.objects.for_user(actor).filter(campaign=campaign)
        proposals = Proposal.objects.for_user(actor).filter(campaign=campaign)
        waiting = verifications.filter(review=Review.SUBMITTED).count()
        waiting += proposals.filter(review=Review.SUBMITTED).count()
        if waiting:
            raise RuleError(_("Masih ada %(n)s verifikasi/usulan yang menunggu keputusan "
                              "kecamatan; selesaikan dulu.") % {"n": waiting})
        target_list = TargetList.objects.create(
            name=decree.name.strip(), year=decree.year, campaign=campaign,
            previous=decree.previous, sk_number=decree.sk_number.strip(),
            sk_date=decree.sk_date, created_by=actor)
        _write_entries(verifications, proposals, target_list)
        locked = verifications.filter(review=Review.APPROVED).update(review=Review.FINAL)
        proposals.filter(review=Review.APPROVED).update(review=Review.FINAL)
        campaign.state, campaign.finalized_at = CampaignState.FINALIZED, timezone.now()
        campaign.save(update_fields=["state", "finalized_at"])
        stats.rebuild(campaign)
        log_event("verification.campaign.finalized", actor=actor, obj=campaign,
                  data={"target_list": target_list.pk, "sk_number": target_list.sk_number,
                        "keluarga": target_list.keluarga, "jiwa": target_list.jiwa,
                        "locked": locked})
    return target_list


def _write_entries(verifications: Any, proposals: Any, target_list: TargetList) -> None:
    entries = []
    for v in verifications.select_related("family").iterator(chunk_size=5000):
        outcome, corrections = approved_findings(v)
        if outcome in REMOVED:
            continue  # the kecamatan approved its removal
        f = v.family
        entries.append(TargetListEntry(
            target_list=target_list, key=f"{f.source}:{f.source_family_id}", family=f,
            desa_id=v.desa_id, kecamatan_id=v.kecamatan_id,
            kepala_keluarga=_head(f, corrections), no_kk=f.no_kk[:16],
            jiwa=corr.jiwa_after(v.jiwa, corrections), desil=f.desil, outcome=outcome))
    for p in proposals.filter(review__in=APPROVED_STATES):
        entries.append(TargetListEntry(
            target_list=target_list, key=f"usulan:{p.pk}", proposal=p, desa_id=p.desa_id,
            kecamatan_id=p.kecamatan_id, kepala_keluarga=p.kepala_keluarga, no_kk=p.no_kk,
            jiwa=p.jiwa, outcome="USULAN"))
    TargetListEntry.objects.bulk_create(entries, batch_size=5000)
    target_list.keluarga = len(entries)
    target_list.jiwa = sum(e.jiwa for e in entries)
    target_list.save(update_fields=["keluarga", "jiwa"])


def approved_findings(v: Verification) -> tuple[str, list[dict[str, Any]]]:
    """The outcome and corrections of a verification that the kecamatan approved, the only
    findings that may reach a target list; ("", []) for every other one.

    A verification never opened, a draft, a returned one (or one still submitted) has not been
    approved: its family is carried over as the registry and the frozen baseline have it (the
    registry's head, the baseline's member count), whatever the desa has typed so far.
    """
    if v.review in APPROVED_STATES:
        return v.outcome, list(v.corrections or [])
    return "", []


def _head(family: Family, corrections: list[dict[str, Any]]) -> str:
    """The head's name after the corrections (a new head or a renamed one)."""
    head = next((op["person"] for op in corrections if op["op"] == "head"), None)
    renamed = {op["person"]: op["nama"] for op in corrections if op["op"] == "rename"}
    added_head = next((op["nama"] for op in corrections
                       if op["op"] == "add" and op.get("hubungan") == "1"), None)
    if head is None and added_head:
        return added_head
    if head is None and not renamed:
        return family.kepala_keluarga
    if head is not None:
        person = family.members.filter(pk=head).only("nama").first()
        return renamed.get(head, person.nama if person else family.kepala_keluarga)
    head_person = family.members.filter(hubungan="1").only("pk").first()
    if head_person and head_person.pk in renamed:
        return renamed[head_person.pk]
    return family.kepala_keluarga


@write_service()
def register_list(families, decree: Decree, *, actor: Any) -> TargetList:
    """A target list fixed outside a campaign (the list a regency starts from), e.g. the P3KE
    desil 1 families of an earlier decree."""
    _require_admin(actor)
    _check_decree(decree)
    with transaction.atomic():
        target_list = TargetList.objects.create(
            name=decree.name, year=decree.year, previous=decree.previous,
            sk_number=decree.sk_number, sk_date=decree.sk_date, created_by=actor)
        chosen = list(families.for_user(actor))
        jiwa = jiwa_once([f.pk for f in chosen])
        entries = [
            TargetListEntry(target_list=target_list, key=f"{f.source}:{f.source_family_id}",
                            family=f, desa_id=f.desa_id, kecamatan_id=f.kecamatan_id,
                            kepala_keluarga=f.kepala_keluarga, no_kk=f.no_kk[:16],
                            jiwa=jiwa.get(f.pk, f.member_count), desil=f.desil)
            for f in chosen
        ]
        TargetListEntry.objects.bulk_create(entries, batch_size=5000)
        target_list.keluarga, target_list.jiwa = len(entries), sum(e.jiwa for e in entries)
        target_list.save(update_fields=["keluarga", "jiwa"])
        log_event("verification.target_list.registered", actor=actor, obj=target_list,
                  data={"keluarga": target_list.keluarga, "jiwa": target_list.jiwa})
    return target_list


# --- change requests after finalization --------------------------------------------------------


@write_service()
def request_change(verification: Verification, *, actor: Any, outcome: str, reason: str = "",
                   note: str = "", why: str,
                   document: UploadedFile | None = None) -> ChangeRequest:
    """Ask to correct a finalized verification; nothing changes until the admin approves.
    `document`: the evidence (a PDF or a photo), checked as every upload is."""
    if not (roles.can_verify(actor) or roles.can_review(actor)):
        raise RuleError(_("Peran Anda tidak boleh meminta perubahan."))
    from tepat.verification.services import in_area

    if not in_area(actor, verification.desa_id):
        raise RuleError(_("Keluarga ini di luar wilayah Anda."))
    if verification.review != Review.FINAL:
        raise RuleError(_("Permintaan perubahan hanya untuk verifikasi yang sudah final."))
    if not why.strip():
        raise RuleError(("why", _("Tulis alasan perubahan.")))
    if outcome == "GANDA":
        raise RuleError(("outcome", _("Perubahan menjadi 'Data ganda' tidak lewat permintaan "
                                      "perubahan; hubungi admin kabupaten.")))
    if problems := outcome_problems(outcome, reason=reason, note=note, corrections=1):
        raise RuleError(*[(p.field, p.message_id) for p in problems])
    content = checked_evidence(document) if document else None
    with transaction.atomic():
        request = ChangeRequest(
            verification=verification, requested_by=actor, why=why.strip(),
            changes={"outcome": outcome, "reason": reason, "note": note})
        if content is not None:
            request.document.save(content.name, content, save=False)
        request.save()
        log_event("verification.change.requested", actor=actor, obj=request,
                  area_code=verification.desa_id,
                  data={"verification": verification.pk, "changes": request.changes,
                        "document": bool(content)})
    return request


@write_service()
def decide_change(request_id: int, *, actor: Any, approve: bool) -> ChangeRequest:
    """The admin approves (the verification changes, logged) or refuses a change request.

    An approved change alters the verification, hence the campaign's figures and the family's
    history; the target list already fixed by decree stays as it was (a later list comes from
    a later campaign, which verifies the family again).
    """
    _require_admin(actor)
    with transaction.atomic():
        request = ChangeRequest.objects.select_for_update().select_related(
            "verification__campaign").get(pk=request_id)
        if request.state != ChangeRequest.State.PENDING:
            raise RuleError(_("Permintaan ini sudah diputuskan."))
        request.state = ChangeRequest.State.APPROVED if approve else ChangeRequest.State.REFUSED
        request.decided_by, request.decided_at = actor, timezone.now()
        request.save()
        v = request.verification
        before = {"outcome": v.outcome, "reason": v.reason, "note": v.note}
        if approve:
            v.outcome = request.changes["outcome"]
            v.reason = request.changes.get("reason", "") if v.outcome == "MAMPU" else ""
            v.note = request.changes.get("note", v.note)
            v.version += 1
            v.updated_by, v.updated_at = actor, timezone.now()
            v.save()
            stats.refresh_desa(v.campaign, [v.desa_id])
        log_event("verification.change.approved" if approve else "verification.change.refused",
                  actor=actor, obj=v, area_code=v.desa_id,
                  data={"family_id": v.family_id, "request": request.pk,
                        "changes": {k: {"before": before[k], "after": request.changes.get(k)}
                                    for k in before} if approve else {}})
    return request
