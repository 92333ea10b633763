"""An agency's beneficiary list matched to the registry (issue 4 §3, issue 18 §3).

The file is read and validated whole by `tepat.interventions.beneficiary_file` (a bad file is
rejected with messages naming row and column, and nothing is written). Its rows are matched in
the uploader's area, in two steps:

1. Exact: a *valid* NIK (`check_nik` without errors) that belongs to exactly one registry
   family, else a valid No. KK held by exactly one family. A registry number whose digits Excel
   lost never matches (`registry.models.nik_in` / `kk_in`).
2. Probabilistic: the other rows are scored in one call of the linkage engine with the model in
   force (`tepat.linkage.matching.match`). A row is matched when its best family is at or
   above the model's accept threshold and clearly ahead of the next one (see `decisive`).

Every other row waits as an `UnmatchedRow` with the reason and its candidates (at most five
families of the uploader's area, each with the model's probability and the comparisons behind
it, which the page words) for a person to confirm or reject. A NIK that occurs twice in the
file is matched once; the later rows wait as duplicates. Nothing is dropped:
rows = matched + unmatched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tepat.audit.services import log_event
from tepat.core.identity import check_kk, check_nik
from tepat.interventions.beneficiary_file import (
    BeneficiaryRow,
    read_beneficiaries,
    staged,
)
from tepat.interventions.models import BeneficiaryUpload, Intervention, Programme, UnmatchedRow
from tepat.interventions.services import (
    Delivery,
    add_intervention,
    add_interventions,
    require_programme_manager,
)
from tepat.linkage import lists
from tepat.linkage import matching as linkage
from tepat.linkage.engine import RECORD_SCHEMA
from tepat.pipeline.messages import Note, mask_numbers
from tepat.pipeline.readers import file_sha256
from tepat.registry.models import Family, Person, kk_in, nik_in
from tepat.verification.errors import RuleError

MAX_CANDIDATES = 5  # families shown for a waiting row
SCORED_PERSONS = 10  # person records kept a row, before they are grouped into families
# The best family is matched automatically only this many bits of match weight (log2 of the
# Bayes factor) ahead of the second: 16 times as likely. Two records of one family (a father
# and his son of the same name) are then left for a person to tell apart.
AHEAD = 4.0
CHUNK = 500  # values per IN (...) query


@dataclass
class UploadReport:
    upload: BeneficiaryUpload
    rows: int
    matched: int
    unmatched: int  # includes the duplicates
    duplicates: int
    by_nik: int
    by_kk: int
    by_model: int
    amount: Decimal
    notes: list[Note] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Exact matching


def _is_valid(number: str | None, check: Any) -> bool:
    return bool(number) and not any(p.is_error for p in check(number))


Reason = tuple[str, str]  # (Indonesian, English): stored as one "id / en" pair, shown in one


def _both(message: str, **params: Any) -> Reason:
    """A reason in both languages, so that it reads right whoever opens the row later."""
    pair = []
    for language in ("id", "en"):
        with translation.override(language):
            pair.append(translation.gettext(message) % params)
    return pair[0], pair[1]


def _stored(reasons: list[Reason]) -> str:
    """'NIK kosong; No. KK ... / NIK is empty; ...' within the column's 200 characters."""
    return (f"{'; '.join(r[0] for r in reasons)[:98]} / "
            f"{'; '.join(r[1] for r in reasons)[:98]}")


def _first_error(number: str | None, check: Any, label: str) -> Reason:
    if not number:
        return _both(gettext_noop("%(label)s kosong"), label=label)
    problem = next((p for p in check(number) if p.is_error), None)
    message = gettext_noop("%(label)s tidak valid: %(why)s")
    found = _both(message, label=label, why=problem.message_id if problem else "")
    english = _both(message, label=label, why=problem.message_en if problem else "")
    return found[0], english[1]


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _nik_index(actor: Any, niks: set[str]) -> dict[str, dict[int, int | None]]:
    """NIK -> {family id: person id (None when only the family's head NIK matched)}."""
    index: dict[str, dict[int, int | None]] = defaultdict(dict)
    for chunk in _chunks(sorted(niks)):
        # A NIK whose digits were lost (issue 17 §2) is kept, flagged, and never matched.
        for nik, person, family in (Person.objects.for_user(actor).filter(nik_in(chunk))
                                    .values_list("nik", "pk", "family_id")):
            index[nik][family] = person
        for nik, family in (Family.objects.for_user(actor).filter(nik_in(chunk))
                            .values_list("nik", "pk")):
            index[nik].setdefault(family, None)
    return index


def _kk_index(actor: Any, numbers: set[str]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(numbers)):
        for kk, family in (Family.objects.for_user(actor).filter(kk_in(chunk))
                           .values_list("no_kk", "pk")):
            index[kk].append(family)
    return index


@dataclass
class _Outcome:
    row: BeneficiaryRow
    family: int | None = None
    person: int | None = None
    by: str = ""  # "nik" | "kk" for a match
    reason: str = ""
    exact_families: list[int] = field(default_factory=list)  # an ambiguous NIK/KK
    duplicate_of: _Outcome | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    probability: float | None = None  # the model's, for a row it matched


def match_rows(rows: list[BeneficiaryRow], actor: Any, *, once_per_nik: bool = True,
               ) -> list[_Outcome]:
    """Each row's match in the actor's area: exact on NIK/KK, else by the linkage model; the
    rows left unmatched carry their candidates. With `once_per_nik`, a NIK's later rows are
    held back as duplicates (a disbursement file pays one NIK in several periods)."""
    outcomes = exact_matches(rows, actor, once_per_nik=once_per_nik)
    score_unmatched([o for o in outcomes if o.family is None], actor)
    return outcomes


def exact_matches(rows: list[BeneficiaryRow], actor: Any, *, once_per_nik: bool = True,
                  ) -> list[_Outcome]:
    """Each row's exact NIK/KK match in the actor's area (see `match_rows`)."""
    niks = {r.nik for r in rows if _is_valid(r.nik, check_nik)}
    kks = {r.no_kk for r in rows if _is_valid(r.no_kk, check_kk)}
    by_nik, by_kk = _nik_index(actor, niks), _kk_index(actor, kks)
    outcomes: list[_Outcome] = []
    first_of: dict[str, _Outcome] = {}
    for row in rows:
        outcome = _match_one(row, niks, kks, by_nik, by_kk)
        if once_per_nik and row.nik and row.nik in first_of:
            outcome = _duplicate(row, first_of[row.nik])
        elif row.nik:
            first_of[row.nik] = outcome
        outcomes.append(outcome)
    return outcomes


def _match_one(row: BeneficiaryRow, niks: set[str], kks: set[str],
               by_nik: dict[str, dict[int, int | None]], by_kk: dict[str, list[int]]) -> _Outcome:
    reasons: list[Reason] = []
    if row.nik in niks:
        families = by_nik.get(row.nik or "", {})
        if len(families) == 1:
            (family, person), = families.items()
            return _Outcome(row, family, person, by="nik")
        if families:
            reasons.append(_both(gettext_noop("NIK terdaftar pada %(n)s keluarga"),
                                 n=len(families)))
        else:
            reasons.append(_both(gettext_noop("NIK tidak ditemukan di registri")))
    else:
        reasons.append(_first_error(row.nik, check_nik, "NIK"))
    exact = list(by_nik.get(row.nik or "", {})) if row.nik in niks else []
    if row.no_kk in kks:
        families_kk = by_kk.get(row.no_kk or "", [])
        if len(families_kk) == 1 and (not exact or families_kk[0] in exact):
            family = families_kk[0]
            return _Outcome(row, family, by_nik.get(row.nik or "", {}).get(family), by="kk")
        if len(families_kk) > 1:
            reasons.append(_both(gettext_noop("No. KK dipakai %(n)s keluarga"),
                                 n=len(families_kk)))
        elif not families_kk:
            reasons.append(_both(gettext_noop("No. KK tidak ditemukan di registri")))
        exact += [f for f in families_kk if f not in exact]
    else:
        reasons.append(_first_error(row.no_kk, check_kk, "No. KK"))
    return _Outcome(row, reason=_stored(reasons), exact_families=exact)


def _duplicate(row: BeneficiaryRow, first: _Outcome) -> _Outcome:
    reason = _stored([_both(gettext_noop("NIK ganda dalam berkas: sama dengan baris %(row)s"),
                            row=first.row.row)])
    exact = [first.family] if first.family else list(first.exact_families)
    return _Outcome(row, reason=reason[:200], exact_families=exact, duplicate_of=first)


# ---------------------------------------------------------------------------------------------
# The rows no number matched, scored by the linkage model


def _records(rows: list[BeneficiaryRow]) -> pl.DataFrame:
    """The rows as outside records for `linkage.match` (one a row, in order)."""
    schema = {k: v for k, v in RECORD_SCHEMA.items() if k != "unique_id"}
    return pl.DataFrame([{
        "source": "list", "record_id": str(r.row), "nik": r.nik, "no_kk": r.no_kk,
        "nama": r.nama or None, "tanggal_lahir": r.tanggal_lahir, "jenis_kelamin": None,
        "desa": r.desa, "kecamatan": r.desa.rsplit(".", 1)[0] if r.desa else None,
        "hubungan": None} for r in rows], schema=schema)


def _families_in_area(actor: Any, persons: list[int]) -> dict[int, int]:
    """person id → family id, for the persons the actor may see (the others are never shown)."""
    found: dict[int, int] = {}
    ids = sorted(set(persons))
    for start in range(0, len(ids), CHUNK):
        found.update(Person.objects.for_user(actor).filter(pk__in=ids[start:start + CHUNK])
                     .values_list("pk", "family_id"))
    return found


def _by_family(scored: list[dict[str, Any]], families: dict[int, int]) -> list[dict[str, Any]]:
    """A row's scored persons (best first) as families: each with its best person."""
    seen: dict[int, dict[str, Any]] = {}
    for hit in scored:
        family = families.get(hit["person_id"])
        if family is not None and family not in seen:
            seen[family] = {"family": family, "person": hit["person_id"],
                            "probability": round(hit["match_probability"], 4),
                            "weight": round(hit["match_weight"], 2),
                            "comparisons": hit["comparisons"]}
    return list(seen.values())[:MAX_CANDIDATES]


def decisive(outcome: _Outcome, accept: float) -> bool:
    """Whether the model may match the row without a person: its best family is at or above
    the accept threshold and `AHEAD` bits of weight ahead of the next family (when there is
    one); the row's numbers did not point at several families and it is no NIK's later row."""
    if outcome.exact_families or outcome.duplicate_of is not None or not outcome.candidates:
        return False
    best, *others = outcome.candidates
    return best["probability"] >= accept and (
        not others or best["weight"] - others[0]["weight"] >= AHEAD)


def score_unmatched(outcomes: list[_Outcome], actor: Any) -> None:
    """Score the rows in one call of the engine; match the decisive ones, give the others their
    candidates (and the families their NIK or KK pointed at, scored or not)."""
    if not outcomes:
        return
    _model, accept, _review, _indonesian = linkage.model_in_force()
    found = linkage.match(_records([o.row for o in outcomes]), best=SCORED_PERSONS)
    families = _families_in_area(actor, found.get_column("person_id").to_list())
    by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for hit in found.iter_rows(named=True):  # best first within a row
        by_row[hit["row"]].append(hit)
    for position, outcome in enumerate(outcomes):
        outcome.candidates = _by_family(by_row.get(position, []), families)
        if decisive(outcome, accept):
            best = outcome.candidates[0]
            outcome.family, outcome.person, outcome.by = best["family"], best["person"], "model"
            outcome.probability, outcome.reason, outcome.candidates = best["probability"], "", []
        else:
            _add_exact_families(outcome)


def _add_exact_families(outcome: _Outcome) -> None:
    """The families the row's NIK or KK points at stay candidates even when the model scored
    them below the review threshold (unscored: a person compares them by eye)."""
    shown = {c["family"] for c in outcome.candidates}
    outcome.candidates += [{"family": f, "person": None, "probability": None, "weight": None,
                            "comparisons": []} for f in outcome.exact_families if f not in shown]


# ---------------------------------------------------------------------------------------------
# The service


def upload_beneficiaries(programme: Programme, path_or_file: Path | str | IO[bytes] | Any, *,
                         actor: Any, file_name: str) -> UploadReport:
    """Read, validate and match an agency's beneficiary list; write its interventions and its
    unmatched rows in one transaction, with the audit events. Raises `UploadRejected` (a
    `RuleError`) for a bad file and `RuleError` for a refused one; nothing is written then."""
    require_programme_manager(actor, programme.agency)
    with staged(path_or_file, file_name) as path:
        digest = file_sha256(path)
        _refuse_twice(programme, digest, mask_numbers(path.name))
        rows, notes = read_beneficiaries(path)
        name = mask_numbers(path.name)  # a file may be named after a KK
    outcomes = match_rows(rows, actor)
    with transaction.atomic():
        _refuse_twice(programme, digest, name)
        upload = BeneficiaryUpload.objects.create(
            programme=programme, file_name=name, file_sha256=digest, rows=len(rows),
            matched=sum(1 for o in outcomes if o.family is not None),
            unmatched=sum(1 for o in outcomes if o.family is None), uploaded_by=actor)
        amount = _write_interventions(upload, outcomes, actor)
        _write_unmatched(upload, outcomes)
        keep_list_records(upload, [(o.row.row, o) for o in outcomes], actor)
        report = _report(upload, outcomes, amount, notes)
        log_event("interventions.upload.matched", actor=actor, obj=upload,
                  data={"programme": programme.pk, "file": name, "sha256": digest,
                        "rows": report.rows, "matched": report.matched,
                        "unmatched": report.unmatched, "duplicates": report.duplicates,
                        "by_nik": report.by_nik, "by_kk": report.by_kk,
                        "by_model": report.by_model, "amount": str(amount),
                        "notes": [n.message_id for n in notes]})
    return report


def _refuse_twice(programme: Programme, digest: str, name: str) -> None:
    earlier = (BeneficiaryUpload.objects.filter(programme=programme, file_sha256=digest)
               .order_by("uploaded_at").first())
    if earlier is not None:
        raise RuleError(("file", _(
            "Berkas %(name)s sudah pernah diunggah untuk program ini (unggahan #%(pk)s, "
            "%(file)s, %(when)s); tidak diproses lagi.") % {
            "name": name, "pk": earlier.pk, "file": earlier.file_name,
            "when": timezone.localtime(earlier.uploaded_at).strftime("%d-%m-%Y %H:%M")}))


def _write_interventions(upload: BeneficiaryUpload, outcomes: list[_Outcome], actor: Any,
                         ) -> Decimal:
    matched = [o for o in outcomes if o.family is not None]
    # The rows matched families anywhere in the regency (an agency serves all of it).
    families = (Family.objects.unscoped("matching: the families an upload's rows matched")
                .only("pk", "desa_id", "kecamatan_id").in_bulk({o.family for o in matched}))
    persons = Person.objects.unscoped("matching: the persons an upload's rows matched").only(
        "pk", "family_id").in_bulk(
        {o.person for o in matched if o.person})
    written = add_interventions(upload.programme, [
        Delivery(families[o.family], o.row.delivered_on, o.row.amount,
                 persons.get(o.person) if o.person else None)
        for o in matched], actor=actor, upload=upload)
    return sum((i.amount for i in written), Decimal(0))


def _write_unmatched(upload: BeneficiaryUpload, outcomes: list[_Outcome]) -> None:
    UnmatchedRow.objects.bulk_create([
        UnmatchedRow(upload=upload, row_number=o.row.row, nik=o.row.nik or "",
                     no_kk=o.row.no_kk or "", nama=o.row.nama, tanggal_lahir=o.row.tanggal_lahir,
                     desa_code=o.row.desa or "", delivered_on=o.row.delivered_on,
                     amount=o.row.amount, reason=o.reason, candidates=o.candidates)
        for o in outcomes if o.family is None
    ], batch_size=CHUNK)


def list_key(upload: BeneficiaryUpload) -> str:
    return f"opd-{upload.pk}"


def keep_list_records(upload: BeneficiaryUpload, rows: list[tuple[int, Any]], actor: Any) -> None:
    """The upload's rows as person records of the linkage: (row number, the row's outcome,
    with its family, person, how it matched and the model's probability)."""
    desa = dict(Family.objects.unscoped("matching: the desa of the families a list matched")
                .filter(pk__in={o.family for _n, o in rows if o and o.family})
                .values_list("pk", "desa_id"))
    label = f"{upload.programme.name} · {upload.file_name}"
    lists.record_list(list_key(upload), label, [
        lists.ListRow(str(number), getattr(o, "person", None), getattr(o, "family", None),
                      getattr(o, "by", "") or "" if getattr(o, "family", None) else "",
                      getattr(o, "probability", None), desa.get(getattr(o, "family", None)))
        for number, o in rows], actor=actor)


def _report(upload: BeneficiaryUpload, outcomes: list[_Outcome], amount: Decimal,
            notes: list[Note]) -> UploadReport:
    return UploadReport(
        upload=upload, rows=len(outcomes), matched=upload.matched, unmatched=upload.unmatched,
        duplicates=sum(1 for o in outcomes if o.duplicate_of is not None),
        by_nik=sum(1 for o in outcomes if o.by == "nik"),
        by_kk=sum(1 for o in outcomes if o.by == "kk"),
        by_model=sum(1 for o in outcomes if o.by == "model"), amount=amount, notes=notes)


# ---------------------------------------------------------------------------------------------
# A person decides an unmatched row


def _open_row(row: UnmatchedRow, actor: Any) -> UnmatchedRow:
    """The row, locked, if the actor manages its programme and nobody decided it yet."""
    require_programme_manager(actor, row.upload.programme.agency)
    locked = (UnmatchedRow.objects.select_for_update().select_related("upload__programme")
              .get(pk=row.pk))
    if locked.state != UnmatchedRow.State.OPEN:
        raise RuleError(_("Baris %(row)s sudah diputuskan (%(state)s).")
                        % {"row": locked.row_number, "state": locked.get_state_display()})
    return locked


def confirm_row(row: UnmatchedRow, family: Family, *, actor: Any,
                person: Person | None = None) -> Intervention:
    """The person decides that the row is this family: its intervention is written."""
    with transaction.atomic():
        row = _open_row(row, actor)
        if not Family.objects.for_user(actor).filter(pk=family.pk).exists():
            raise RuleError(_("Keluarga tidak ditemukan di wilayah Anda."))
        if row.delivered_on is None:
            raise RuleError(_("Baris %(row)s tidak memiliki tanggal penyaluran.")
                            % {"row": row.row_number})
        if row.payment_key:  # a disbursement row: its payment, as the import records it
            from tepat.interventions.disbursement import record_confirmed
            intervention = record_confirmed(row, family, person, actor=actor)
        else:
            intervention = add_intervention(
                row.upload.programme, family, actor=actor, delivered_on=row.delivered_on,
                amount=row.amount, person=person, upload=row.upload)
        _resolve(row, UnmatchedRow.State.CONFIRMED, actor, family=family)
        lists.link_list_row(list_key(row.upload), str(row.row_number),
                            person_id=person.pk if person else None, family_id=family.pk,
                            desa=family.desa_id, actor=actor)
        ranks = [c.get("family") for c in row.candidates]
        log_event("interventions.unmatched.confirmed", actor=actor, obj=row,
                  area_code=family.desa_id,
                  data={"upload": row.upload_id, "row": row.row_number, "family": family.pk,
                        "person": person.pk if person else None,
                        "intervention": intervention.pk,
                        "candidate_rank": ranks.index(family.pk) + 1 if family.pk in ranks
                        else None})
    return intervention


def reject_row(row: UnmatchedRow, *, actor: Any, why: str) -> UnmatchedRow:
    """The person decides that the row is nobody in the registry (or not to be paid)."""
    why = " ".join((why or "").split())
    if len(why) < 5:
        raise RuleError(("why", _("Tulis alasan penolakan (minimal 5 huruf).")))
    with transaction.atomic():
        row = _open_row(row, actor)
        _resolve(row, UnmatchedRow.State.REJECTED, actor)
        log_event("interventions.unmatched.rejected", actor=actor, obj=row,
                  data={"upload": row.upload_id, "row": row.row_number, "why": why[:500]})
    return row


def _resolve(row: UnmatchedRow, state: str, actor: Any, family: Family | None = None) -> None:
    row.state, row.resolved_family = state, family
    row.resolved_by, row.resolved_at = actor, timezone.now()
    row.save(update_fields=["state", "resolved_family", "resolved_by", "resolved_at"])
