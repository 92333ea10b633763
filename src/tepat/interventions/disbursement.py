"""An agency's disbursement file imported as the programme's intervention records (issue 17 §6).

The file says who was actually paid. It is read in the pipeline's limited child process
(`read_sheet` with `DISBURSEMENT_LAYOUT`), parsed by `tepat.pipeline.disbursement`, matched by
the beneficiary list's matching (`matching.match_rows`, in the uploader's area: exact on
NIK/KK, else by the linkage model when it is sure), and planned before anything is written.
Each usable row becomes one of:

- NEW: a new intervention, DELIVERED when paid, FAILED when not (failed aid is not received);
- PLANNED: the family's PLANNED intervention of this programme dated within the row's period is
  marked DELIVERED (or FAILED) by the payment instead of a second record being added;
- UPDATE: the payment is already recorded (same key: the agency's reference, else NIK/KK +
  period) and the file says something else now (a failed payment paid on a second try, a
  corrected amount): the record is updated;
- SAME: the payment is already recorded as the file says: nothing is written;
- WAITING: no family matched: the row waits for review on the upload's page, as a beneficiary
  row does (`UnmatchedRow`, confirmed or rejected by `matching.confirm_row` / `reject_row`);
- WAITING_ALREADY: the row already waits for review from an earlier file: nothing is written.

Rows the parser refuses are listed with their reason (file, row, column, expected value) in
the preview and in the upload's audit event. The same file twice writes nothing the second time.
Everything is written in one transaction with its audit events.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tepat.audit.services import EACH, log_event, log_events, write_service
from tepat.interventions.beneficiary_file import (
    BeneficiaryRow,
    FileProblem,
    UploadRejected,
    staged,
)
from tepat.interventions.matching import keep_list_records, match_rows
from tepat.interventions.models import (
    BeneficiaryUpload,
    Intervention,
    InterventionStatus,
    Programme,
    UnmatchedRow,
    UploadKind,
)
from tepat.interventions.services import _mark_needs_met_in_bulk, require_programme_manager
from tepat.pipeline.disbursement import (
    DISBURSEMENT_LAYOUT,
    FAILED,
    PAID,
    PaymentRow,
    Period,
    RowProblem,
    missing_columns,
    parse_disbursements,
)
from tepat.pipeline.errors import ReadError
from tepat.pipeline.headers import accepted_headers
from tepat.pipeline.messages import Note, mask_numbers
from tepat.pipeline.readers import file_sha256, read_sheet
from tepat.registry.models import Family, Person
from tepat.verification.errors import RuleError

NEW, PLANNED, UPDATE, SAME = "new", "planned", "update", "same"
WAITING, WAITING_ALREADY = "waiting", "waiting_already"
WRITES = (NEW, PLANNED, UPDATE, WAITING)  # the actions that write something
STATUS_OF = {PAID: InterventionStatus.DELIVERED, FAILED: InterventionStatus.FAILED}
CHUNK = 2000
EXAMPLES = 50  # refused rows listed in the preview


@dataclass
class PaymentOutcome:
    row: PaymentRow
    action: str
    family: int | None = None
    person: int | None = None
    intervention: int | None = None  # the record updated (PLANNED, UPDATE, SAME)
    reason: str = ""  # why no family matched
    matched: Any = None  # matching's outcome (for the candidates of a waiting row)


@dataclass
class DisbursementPlan:
    """What an import of the file does (or did, when `upload` is set)."""

    programme: Programme
    file_name: str
    sha256: str
    outcomes: list[PaymentOutcome]
    problems: list[RowProblem]
    notes: list[Note] = field(default_factory=list)
    upload: BeneficiaryUpload | None = None

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(o.action for o in self.outcomes)
        return {a: counted.get(a, 0) for a in (NEW, PLANNED, UPDATE, SAME, WAITING,
                                               WAITING_ALREADY)}

    @property
    def changes(self) -> int:
        return sum(1 for o in self.outcomes if o.action in WRITES)

    @property
    def rows(self) -> int:
        return len(self.outcomes) + len(self.problems)

    @property
    def paid(self) -> int:
        return sum(1 for o in self.outcomes if o.row.status == PAID)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.row.status == FAILED)

    def recorded(self, status: str) -> int:
        """Rows of this status (PAID | FAILED) written to an intervention (new or changed)."""
        return sum(1 for o in self.outcomes
                   if o.row.status == status and o.action in (NEW, PLANNED, UPDATE))

    def amount_paid(self) -> Decimal:
        unit = self.programme.unit_cost
        return sum((o.row.amount if o.row.amount is not None else unit
                    for o in self.outcomes if o.row.status == PAID), Decimal(0))

    def summary(self) -> dict[str, Any]:
        """For the audit event and `--format json`: counts, never a NIK."""
        return {"programme": self.programme.pk, "file": self.file_name, "sha256": self.sha256,
                "rows": self.rows, **self.counts, "refused": len(self.problems),
                "paid": self.paid, "failed": self.failed, "amount_paid": str(self.amount_paid()),
                "refused_rows": [p.message_id for p in self.problems[:200]]}


# ---------------------------------------------------------------------------------------------
# Reading


def read_disbursements(path: Path) -> tuple[list[PaymentRow], list[RowProblem], list[Note]]:
    """The file's usable rows and its refused rows; `UploadRejected` when the file itself cannot
    be used (unreadable, hostile, or without the required columns)."""
    try:
        table = read_sheet(path, DISBURSEMENT_LAYOUT)
    except ReadError as error:
        raise UploadRejected([FileProblem(None, "", error.message_id, error.message_en)],
                             ) from None
    missing = missing_columns(table.headers)
    if missing:
        raise UploadRejected([_missing(path.name, missing)])
    rows, problems = parse_disbursements(table.frame, table.headers, table.file,
                                         timezone.localdate(), table.cell_errors)
    return rows, problems, table.notes


def _missing(file: str, columns: list[Any]) -> FileProblem:
    names = "; ".join(f"'{c.header}' ({', '.join(accepted_headers(c))})" for c in columns)
    either = any(c.field == "nik" for c in columns)
    file = mask_numbers(file)
    return FileProblem(
        None, ", ".join(c.header for c in columns),
        f"Berkas {file}: kolom wajib tidak ditemukan: {names}."
        + (" Minimal salah satu dari NIK atau No. KK harus ada." if either else ""),
        f"File {file}: required columns not found: {names}."
        + (" At least one of NIK or No. KK is needed." if either else ""))


# ---------------------------------------------------------------------------------------------
# Planning: what each row does


def _amount(programme: Programme, row: PaymentRow) -> Decimal:
    return programme.unit_cost if row.amount is None else row.amount


def _recorded(programme: Programme, keys: list[str]) -> dict[str, Intervention]:
    """The programme's payments already recorded under these keys, wherever the family lives
    (the key is the agency's own: idempotency must not depend on the uploader's area)."""
    found: dict[str, Intervention] = {}
    for start in range(0, len(keys), CHUNK):
        found.update((i.payment_key, i) for i in Intervention.objects.unscoped(
            "disbursement: the programme's payments by the agency's key").filter(
            programme=programme, payment_key__in=keys[start:start + CHUNK]).only(
            "pk", "payment_key", "status", "amount", "failure_reason", "family_id"))
    return found


def _waiting(programme: Programme, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        found.update(UnmatchedRow.objects.filter(
            upload__programme=programme, payment_key__in=keys[start:start + CHUNK],
        ).values_list("payment_key", flat=True))
    return found


def _planned(programme: Programme, families: set[int]) -> dict[int, list[tuple[date, int]]]:
    """family → its PLANNED interventions of the programme not from a payment (date, id)."""
    found: dict[int, list[tuple[date, int]]] = defaultdict(list)
    ids = sorted(families)
    for start in range(0, len(ids), CHUNK):
        for family, day, pk in Intervention.objects.unscoped(
                "disbursement: the planned aid of the families a file paid").filter(
                programme=programme, status=InterventionStatus.PLANNED, payment_key="",
                family_id__in=ids[start:start + CHUNK]).order_by("delivered_on", "pk").values_list(
                "family_id", "delivered_on", "pk"):
            found[family].append((day, pk))
    return found


def _is_same(record: Intervention, programme: Programme, row: PaymentRow) -> bool:
    return (record.status == STATUS_OF[row.status] and record.amount == _amount(programme, row)
            and record.failure_reason == row.reason)


def plan_rows(programme: Programme, rows: list[PaymentRow], actor: Any,
              ) -> list[PaymentOutcome]:
    """What each row does; reads only."""
    keys = sorted({r.key for r in rows})
    recorded, waiting = _recorded(programme, keys), _waiting(programme, keys)
    matched = match_rows([BeneficiaryRow(r.row, r.nik, r.no_kk, r.nama, None, None, r.paid_on,
                                         r.amount) for r in rows], actor, once_per_nik=False)
    planned = _planned(programme, {m.family for m in matched if m.family is not None})
    used: set[int] = set()
    outcomes = []
    for row, match in zip(rows, matched, strict=True):
        record = recorded.get(row.key)
        if record is not None:
            action = SAME if _is_same(record, programme, row) else UPDATE
            outcomes.append(PaymentOutcome(row, action, record.family_id,
                                           intervention=record.pk))
        elif row.key in waiting:
            outcomes.append(PaymentOutcome(row, WAITING_ALREADY))
        elif match.family is None:
            outcomes.append(PaymentOutcome(row, WAITING, reason=match.reason, matched=match))
        else:
            pk = next((pk for day, pk in planned.get(match.family, ())
                       if pk not in used and row.period.start <= day <= row.period.end), None)
            if pk is not None:
                used.add(pk)
            outcomes.append(PaymentOutcome(row, PLANNED if pk else NEW, match.family,
                                           match.person, intervention=pk))
    return outcomes


def preview_disbursements(programme: Programme, path_or_file: Path | str | IO[bytes] | Any, *,
                          actor: Any, file_name: str) -> DisbursementPlan:
    """The plan of an import, written nowhere. Raises `UploadRejected` for an unusable file."""
    require_programme_manager(actor, programme.agency)
    with staged(path_or_file, file_name) as path:
        digest = file_sha256(path)
        rows, problems, notes = read_disbursements(path)
        name = mask_numbers(path.name)
    return DisbursementPlan(programme, name, digest, plan_rows(programme, rows, actor),
                            problems, notes)


# ---------------------------------------------------------------------------------------------
# Writing


@write_service(EACH)
def import_disbursements(programme: Programme, path_or_file: Path | str | IO[bytes] | Any, *,
                         actor: Any, file_name: str, sha256: str | None = None,
                         ) -> DisbursementPlan:
    """Plan and write the file in one transaction, with one audit event for the upload and one
    per intervention written or changed. `sha256`, when given, is the previewed file's: another
    file is refused. A file that changes nothing writes only the audit event of the attempt."""
    require_programme_manager(actor, programme.agency)
    with staged(path_or_file, file_name) as path:
        digest = file_sha256(path)
        if sha256 is not None and digest != sha256:
            raise RuleError(("file", _("Berkas berubah sejak pratinjau; unggah ulang.")))
        rows, problems, notes = read_disbursements(path)
        name = mask_numbers(path.name)
    with transaction.atomic():
        Programme.objects.select_for_update().filter(pk=programme.pk).first()  # one at a time
        plan = DisbursementPlan(programme, name, digest, plan_rows(programme, rows, actor),
                                problems, notes)
        if plan.changes:
            plan.upload = _write(plan, actor)
        log_event("interventions.disbursement.imported", actor=actor, obj=plan.upload or programme,
                  data={**plan.summary(), "upload": plan.upload.pk if plan.upload else None})
    return plan


def _write(plan: DisbursementPlan, actor: Any) -> BeneficiaryUpload:
    counts = plan.counts
    upload = BeneficiaryUpload.objects.create(
        kind=UploadKind.DISBURSEMENTS, programme=plan.programme, file_name=plan.file_name,
        file_sha256=plan.sha256, rows=plan.rows, matched=counts[NEW] + counts[PLANNED]
        + counts[UPDATE] + counts[SAME], unmatched=counts[WAITING], refused=len(plan.problems),
        uploaded_by=actor)
    _write_new(plan, upload, actor)
    _write_changed(plan, upload, actor)
    _write_waiting(plan, upload, actor)
    keep_list_records(upload, [(o.row.row, o.matched or o) for o in plan.outcomes], actor)
    return upload


def _payment_fields(programme: Programme, row: PaymentRow) -> dict[str, Any]:
    return {"status": STATUS_OF[row.status], "amount": _amount(programme, row),
            "delivered_on": row.paid_on, "period": row.period.code, "reference": row.reference,
            "failure_reason": row.reason, "channel": row.channel, "payment_key": row.key}


def _event(i: Intervention, upload: BeneficiaryUpload, **extra: Any) -> tuple[Any, str, dict]:
    return (i, i.desa_id, {"programme": i.programme_id, "family": i.family_id,
                           "person": i.person_id, "amount": str(i.amount), "status": i.status,
                           "period": i.period, "upload": upload.pk, **extra})


def _write_new(plan: DisbursementPlan, upload: BeneficiaryUpload, actor: Any) -> None:
    new = [o for o in plan.outcomes if o.action == NEW]
    families = Family.objects.unscoped("disbursement: the families the file's rows matched").only(
        "pk", "desa_id", "kecamatan_id").in_bulk({o.family for o in new})
    persons = Person.objects.unscoped("disbursement: the persons the file's rows matched").only(
        "pk", "family_id").in_bulk({o.person for o in new if o.person})
    written = Intervention.objects.bulk_create([
        Intervention(programme=plan.programme, family=families[o.family],
                     person=persons.get(o.person), desa_id=families[o.family].desa_id,
                     kecamatan_id=families[o.family].kecamatan_id, quantity=Decimal(1),
                     upload=upload, created_by=actor, **_payment_fields(plan.programme, o.row))
        for o in new], batch_size=CHUNK)
    met = _mark_needs_met_in_bulk(plan.programme, [
        i for i in written if i.status == InterventionStatus.DELIVERED])
    log_events("interventions.payment.recorded", actor=actor, objects=[
        _event(i, upload, needs_met=met.get(i.family_id, 0)) for i in written])


def _write_changed(plan: DisbursementPlan, upload: BeneficiaryUpload, actor: Any) -> None:
    changed = {o.intervention: o for o in plan.outcomes if o.action in (PLANNED, UPDATE)}
    records = Intervention.objects.unscoped("disbursement: the records the file pays, by id"
                                            ).in_bulk(list(changed))
    events, delivered = [], []
    for pk, outcome in changed.items():
        record = records[pk]
        before = {"status": record.status, "amount": str(record.amount)}
        for name, value in _payment_fields(plan.programme, outcome.row).items():
            setattr(record, name, value)
        record.upload = upload
        if record.status == InterventionStatus.DELIVERED and before["status"] != record.status:
            delivered.append(record)
        events.append((record, before, outcome.action))
    # One UPDATE per record: `bulk_update`'s CASE WHEN over nine columns took 15 s for 1,000
    # rows (bench/disbursement_bench.py); these take a fraction of it.
    by_id = Intervention.objects.unscoped("disbursement: the records just read, by id")
    for record, _before, _action in events:
        by_id.filter(pk=record.pk).update(
            **{name: getattr(record, name) for name in (*_payment_fields(plan.programme,
                                                                          changed[record.pk].row),
                                                         "upload")})
    met = _mark_needs_met_in_bulk(plan.programme, delivered)
    log_events("interventions.payment.updated", actor=actor, objects=[
        _event(r, upload, before=before, was_planned=action == PLANNED,
               needs_met=met.get(r.family_id, 0)) for r, before, action in events])


def _write_waiting(plan: DisbursementPlan, upload: BeneficiaryUpload, actor: Any) -> None:
    waiting = [o for o in plan.outcomes if o.action == WAITING]
    UnmatchedRow.objects.bulk_create([
        UnmatchedRow(upload=upload, row_number=o.row.row, nik=o.row.nik or "",
                     no_kk=o.row.no_kk or "", nama=o.row.nama, delivered_on=o.row.paid_on,
                     amount=o.row.amount, reason=o.matched.reason,
                     candidates=o.matched.candidates, payment_key=o.row.key,
                     payment_status=STATUS_OF[o.row.status], period=o.row.period.code,
                     reference=o.row.reference, failure_reason=o.row.reason,
                     channel=o.row.channel)
        for o in waiting], batch_size=CHUNK)


# ---------------------------------------------------------------------------------------------
# A waiting row confirmed by a person (called by `matching.confirm_row`, in its transaction)


def record_confirmed(row: UnmatchedRow, family: Family, person: Person | None, *,
                     actor: Any) -> Intervention:
    """The payment of a disbursement row a person matched to `family`: a PLANNED intervention of
    the family in the row's period is marked, else a new record is written."""
    from tepat.interventions.services import add_intervention

    programme = row.upload.programme
    if Intervention.objects.unscoped("disbursement: the programme's payment by its key").filter(
            programme=programme, payment_key=row.payment_key).exists():
        raise RuleError(_("Pembayaran baris %(row)s sudah tercatat dari berkas lain; tolak baris "
                          "ini.") % {"row": row.row_number})
    period = Period.from_code(row.period)
    planned = Intervention.objects.unscoped("disbursement: the family's planned aid").filter(
        programme=programme, family=family, status=InterventionStatus.PLANNED, payment_key="",
        delivered_on__range=(period.start, period.end)).order_by("delivered_on", "pk").first()
    fields = {"status": row.payment_status, "period": row.period, "reference": row.reference,
              "failure_reason": row.failure_reason, "channel": row.channel,
              "payment_key": row.payment_key}
    if planned is None:
        intervention = add_intervention(
            programme, family, actor=actor, delivered_on=row.delivered_on, amount=row.amount,
            person=person, status=row.payment_status, upload=row.upload)
        for name, value in fields.items():
            setattr(intervention, name, value)
        intervention.save(update_fields=[k for k in fields if k != "status"])
        return intervention
    before = planned.status
    for name, value in fields.items():
        setattr(planned, name, value)
    planned.amount = programme.unit_cost if row.amount is None else row.amount
    planned.delivered_on, planned.upload, planned.person = row.delivered_on, row.upload, person
    planned.save()
    met = _mark_needs_met_in_bulk(programme, [planned] if planned.status ==
                                  InterventionStatus.DELIVERED else [])
    log_event("interventions.payment.updated", actor=actor, obj=planned,
              area_code=planned.desa_id,
              data={"programme": programme.pk, "family": family.pk, "status": planned.status,
                    "before": {"status": before}, "was_planned": True, "period": row.period,
                    "upload": row.upload_id, "needs_met": met.get(family.pk, 0)})
    return planned
