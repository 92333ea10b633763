"""Issue 16 §2: only what the kecamatan approved reaches a target list.

A Hypothesis state machine drives a small campaign of Kecamatan Tegalsiwalan (5 P3KE families
with 2 to 4 members, in Malesanwetan and Gunungbekel) through the real services, as the right
actors: the desa saves or submits findings (random outcome and corrections: rename, add or remove
a member, a new head), the kecamatan approves or returns, the desa proposes new families, the
admin closes and finalizes with a decree, members ask for changes after finalization and the
admin approves or refuses them, and a next campaign starts over the same families.

A model beside the database predicts which call is refused and what each list must hold. After
every step, every list fixed so far (the decree the regency started from, and each campaign's)
holds exactly:

- per family of the campaign whose verification the kecamatan approved with a still-target
  outcome: the registry's family with the approved corrections (head renamed or replaced, members
  added or removed), counted in keluarga (one entry) and jiwa (the baseline's members after the
  corrections), with the approved outcome;
- per family whose verification was never approved (untouched, a draft, a returned one): the
  registry's family as it is (its head, the baseline's member count), outcome empty, whatever
  the desa had typed;
- no entry for a family whose removal was approved; one entry per approved proposal.

A list never changes once fixed: a change request approved later changes the verification (and
the campaign's figures), not the list fixed by decree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

pytestmark = pytest.mark.django_db

TEGALSIWALAN = "35.13.20"
MALESANWETAN, GUNUNGBEKEL = "35.13.20.2001", "35.13.20.2002"
STILL_TARGET = ("LAYAK", "LAYAK_BERUBAH")
REMOVED = ("MAMPU", "PINDAH", "MENINGGAL", "TIDAK_DITEMUKAN")
DESA_EDITABLE = ("", "DRAFT", "RETURNED")

# A correction in the abstract: (kind, which member, which name); the member is taken modulo
# the family's size when the rule runs, so that one strategy fits every family.
CORRECTIONS = st.lists(
    st.tuples(st.sampled_from(["rename", "add", "remove", "head"]),
              st.integers(0, 3), st.integers(0, 2)),
    min_size=1, max_size=3,
)


@dataclass(frozen=True)
class Member:
    pk: int
    nama: str
    is_head: bool


@dataclass(frozen=True)
class RegistryFamily:
    pk: int
    key: str
    desa: str
    head: str
    members: tuple[Member, ...]


@dataclass
class Finding:
    """What the model knows of one verification."""

    review: str = ""
    outcome: str = ""
    corrections: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ModelCampaign:
    campaign: Any
    state: str = "open"
    findings: dict[int, Finding] = field(default_factory=dict)  # family pk -> finding
    proposals: dict[int, str] = field(default_factory=dict)  # proposal pk -> review
    proposal_heads: dict[int, tuple[str, str]] = field(default_factory=dict)  # pk -> desa, name


@dataclass(frozen=True)
class Entry:
    desa: str
    kepala_keluarga: str
    jiwa: int
    outcome: str


def registry_entry(f: RegistryFamily) -> Entry:
    return Entry(f.desa, f.head, len(f.members), "")


def corrected_entry(f: RegistryFamily, outcome: str, ops: list[dict[str, Any]]) -> Entry:
    """The registry family once the corrections apply, computed apart from the application."""
    names = {m.pk: m.nama for m in f.members}
    for op in ops:
        if op["op"] == "rename":
            names[op["person"]] = op["nama"]
    removed = {op["person"] for op in ops if op["op"] == "remove"}
    added = [op for op in ops if op["op"] == "add"]
    new_head = next((op["person"] for op in ops if op["op"] == "head"), None)
    head_pk = new_head if new_head is not None else next(m.pk for m in f.members if m.is_head)
    jiwa = len([m for m in f.members if m.pk not in removed]) + len(added)
    return Entry(f.desa, names[head_pk], jiwa, outcome)


def expected_entries(registry: dict[int, RegistryFamily], model: ModelCampaign
                     ) -> dict[str, Entry]:
    """The list a careful TKPK expects from the campaign as the model saw it at finalization."""
    entries = {}
    for pk, finding in model.findings.items():
        family = registry[pk]
        if finding.review != "APPROVED":
            entries[family.key] = registry_entry(family)  # not approved: carried over
        elif finding.outcome in STILL_TARGET:
            entries[family.key] = corrected_entry(family, finding.outcome, finding.corrections)
    for pk, review in model.proposals.items():
        if review == "APPROVED":
            desa, head = model.proposal_heads[pk]
            entries[f"usulan:{pk}"] = Entry(desa, head, 1, "USULAN")
    return entries


def concrete(abstract: list[tuple[str, int, int]], family: RegistryFamily
             ) -> list[dict[str, Any]]:
    """The operations the desa form would send; at most one new head, who is not removed, and
    only members other than the registry's head removed (a family needs a head). A member may
    come out removed twice: the service refuses that."""
    members = family.members
    ops: list[dict[str, Any]] = []
    new_head = next((members[i % len(members)].pk for kind, i, _ in abstract if kind == "head"),
                    None)
    for kind, i, n in abstract:
        m = members[i % len(members)]
        if kind == "rename":
            ops.append({"op": "rename", "person": m.pk, "nama": f"NAMA BARU {n}"})
        elif kind == "add":
            ops.append({"op": "add", "nama": f"BAYI {n}", "nik": "", "hubungan": "3",
                        "jenis_kelamin": "2", "tanggal_lahir": "2024-01-0" + str(n + 1)})
        elif kind == "remove" and not m.is_head and m.pk != new_head:
            ops.append({"op": "remove", "person": m.pk, "why": "meninggal"})
        elif kind == "head" and m.pk == new_head and not any(o["op"] == "head" for o in ops):
            ops.append({"op": "head", "person": m.pk})
    return ops


class TargetListMachine(RuleBasedStateMachine):
    def __init__(self, users: Any) -> None:
        super().__init__()
        from django.db import transaction

        self.users = users
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()  # every example rolls back to here (teardown)
        self.registry = self._read_registry()
        self.operator = {MALESANWETAN: users.operator_desa,
                         GUNUNGBEKEL: users.operator_desa_sibling}
        self.lists: list[tuple[Any, dict[str, Entry]]] = []  # (list, what it must hold)
        self.campaigns: list[ModelCampaign] = []
        self._register_starting_list()
        self._open_campaign()

    # --- set-up -------------------------------------------------------------------------------

    def _read_registry(self) -> dict[int, RegistryFamily]:
        from tepat.registry.models import Family

        families = Family.objects.filter(source="p3ke", kecamatan_id=TEGALSIWALAN).order_by("pk")
        return {
            f.pk: RegistryFamily(
                f.pk, f"p3ke:{f.source_family_id}", f.desa_id, f.kepala_keluarga,
                tuple(Member(p.pk, p.nama, p.hubungan == "1")
                      for p in f.members.order_by("pk")))
            for f in families
        }

    def _decree(self, n: int, previous: Any = None) -> Any:
        from tepat.verification.campaigns import Decree

        return Decree(f"Daftar sasaran {2023 + n}", 2023 + n, f"SK 400/{n + 1}/{2023 + n}",
                      date(2023 + n, 4, 22), previous=previous)

    def _register_starting_list(self) -> None:
        from tepat.registry.models import Family
        from tepat.verification.campaigns import register_list

        families = Family.objects.filter(pk__in=list(self.registry))
        fixed = register_list(families, self._decree(0), actor=self.users.admin)
        self.lists.append((fixed, {f.key: registry_entry(f) for f in self.registry.values()}))

    def _open_campaign(self) -> None:
        from tepat.verification.campaigns import CampaignPlan, create_campaign, open_campaign

        n = len(self.campaigns) + 1
        plan = CampaignPlan(name=f"Pemutakhiran {2023 + n}", period=str(2023 + n),
                            source="p3ke", kecamatan_scope=TEGALSIWALAN,
                            opens_on=date(2023 + n, 3, 1), closes_on=date(2023 + n, 4, 1),
                            finalize_by=date(2023 + n, 4, 22))
        campaign = open_campaign(create_campaign(plan, actor=self.users.admin),
                                 actor=self.users.admin)
        self.campaigns.append(ModelCampaign(campaign, findings={
            pk: Finding() for pk in self.registry}))

    def teardown(self) -> None:
        from django.db import transaction

        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------------------

    @property
    def current(self) -> ModelCampaign:
        """The campaign running now, its row read again: each call stands for a new request
        (a service given a stale campaign object trusts its state, see the report)."""
        model = self.campaigns[-1]
        model.campaign.refresh_from_db()
        return model

    def family(self, index: int) -> RegistryFamily:
        return list(self.registry.values())[index % len(self.registry)]

    def verification(self, family: RegistryFamily) -> Any:
        from tepat.verification.models import Verification

        return Verification.objects.get(campaign=self.current.campaign, family_id=family.pk)

    def attempt(self, allowed: bool, call: Any) -> Any:
        """Run a service call the model says is allowed (it must succeed) or refused (it must
        raise RuleError and change nothing the model tracks)."""
        from tepat.verification.errors import RuleError

        if allowed:
            return call()
        with pytest.raises(RuleError):
            call()
        return None

    # --- the desa -----------------------------------------------------------------------------

    @rule(index=st.integers(0, 4), own_desa=st.booleans(),
          outcome=st.sampled_from(["", *STILL_TARGET, *REMOVED]), abstract=CORRECTIONS,
          submit=st.booleans())
    def save(self, index: int, own_desa: bool, outcome: str,
             abstract: list[tuple[str, int, int]], submit: bool) -> None:
        from tepat.verification import services as s

        family = self.family(index)
        ops = concrete(abstract, family)
        outcome = "LAYAK_BERUBAH" if ops and outcome == "LAYAK" else outcome
        finding = self.current.findings[family.pk]
        complete = bool(outcome) and not (outcome == "LAYAK_BERUBAH" and not ops)
        removals = [op["person"] for op in ops if op["op"] == "remove"]
        allowed = (own_desa and self.current.state == "open" and finding.review in DESA_EDITABLE
                   and len(set(removals)) == len(removals) and (complete or not submit))
        other = GUNUNGBEKEL if family.desa == MALESANWETAN else MALESANWETAN
        actor = self.operator[family.desa if own_desa else other]
        findings = s.Findings(outcome=outcome, reason="ASN" if outcome == "MAMPU" else "",
                              destination="Surabaya" if outcome == "PINDAH" else "",
                              corrections=ops)
        v = self.verification(family)
        if self.attempt(allowed, lambda: s.save_verification(
                v.pk, findings, actor=actor, expected_version=None, submit=submit)):
            finding.review = "SUBMITTED" if submit else "DRAFT"
            finding.outcome, finding.corrections = outcome, ops

    @rule(desa=st.sampled_from([MALESANWETAN, GUNUNGBEKEL]), n=st.integers(0, 2),
          submit=st.booleans())
    def propose(self, desa: str, n: int, submit: bool) -> None:
        from tepat.verification import services as s

        head = f"USULAN {desa[-1]}{len(self.current.proposals)}{n}"
        family = s.NewFamily(kepala_keluarga=head, members=[{
            "nama": head, "nik": "", "hubungan": "1", "jenis_kelamin": "1",
            "tanggal_lahir": f"197{n}-01-01"}])
        proposal = self.attempt(self.current.state == "open", lambda: s.propose_family(
            self.current.campaign, desa, family, actor=self.operator[desa], submit=submit))
        if proposal:
            self.current.proposals[proposal.pk] = "SUBMITTED" if submit else "DRAFT"
            self.current.proposal_heads[proposal.pk] = (desa, head)

    # --- the kecamatan ------------------------------------------------------------------------

    @rule(index=st.integers(0, 4), approve=st.booleans())
    def review(self, index: int, approve: bool) -> None:
        from tepat.verification import services as s

        family = self.family(index)
        finding = self.current.findings[family.pk]
        movable = ("SUBMITTED",) if approve else ("SUBMITTED", "APPROVED")
        allowed = self.current.state in ("open", "closed") and finding.review in movable
        if self.attempt(allowed, lambda: s.review(
                self.current.campaign, [self.verification(family).pk],
                actor=self.users.operator_kecamatan, approve=approve,
                reason="" if approve else "Foto rumah kurang jelas")):
            finding.review = "APPROVED" if approve else "RETURNED"

    @rule(desa=st.sampled_from([MALESANWETAN, GUNUNGBEKEL]), approve=st.booleans())
    def review_whole_desa(self, desa: str, approve: bool) -> None:
        from tepat.verification import services as s

        waiting = [self.current.findings[f.pk] for f in self.registry.values()
                   if f.desa == desa and self.current.findings[f.pk].review == "SUBMITTED"]
        allowed = self.current.state in ("open", "closed") and bool(waiting)
        if self.attempt(allowed, lambda: s.review_desa(
                self.current.campaign, desa, actor=self.users.operator_kecamatan,
                approve=approve, reason="" if approve else "Berita acara belum lengkap")):
            for finding in waiting:
                finding.review = "APPROVED" if approve else "RETURNED"

    @precondition(lambda self: self.current.proposals)
    @rule(n=st.integers(0, 9), approve=st.booleans())
    def review_proposal(self, n: int, approve: bool) -> None:
        from tepat.verification import services as s

        pk = sorted(self.current.proposals)[n % len(self.current.proposals)]
        movable = ("SUBMITTED",) if approve else ("SUBMITTED", "APPROVED")
        allowed = (self.current.state in ("open", "closed")
                   and self.current.proposals[pk] in movable)
        if self.attempt(allowed, lambda: s.review_proposal(
                pk, actor=self.users.operator_kecamatan, approve=approve,
                reason="" if approve else "Dokumen kurang")):
            self.current.proposals[pk] = "APPROVED" if approve else "RETURNED"

    # --- the admin kabupaten ------------------------------------------------------------------

    @rule()
    def close(self) -> None:
        from tepat.verification.campaigns import close_campaign

        if self.attempt(self.current.state == "open", lambda: close_campaign(
                self.current.campaign, actor=self.users.admin)):
            self.current.state = "closed"

    @rule()
    def finalize(self) -> None:
        from tepat.verification import stats
        from tepat.verification.campaigns import close_campaign, finalize_campaign

        model = self.current
        if model.state == "open":
            close_campaign(model.campaign, actor=self.users.admin)
            model.state = "closed"
        waiting = any(f.review == "SUBMITTED" for f in model.findings.values()) or any(
            r == "SUBMITTED" for r in model.proposals.values())
        previous = self.lists[-1][0]
        decree = self._decree(len(self.campaigns), previous=previous)
        fixed = self.attempt(model.state == "closed" and not waiting, lambda: finalize_campaign(
            model.campaign, decree, actor=self.users.admin))
        if fixed is None:
            return
        expected = expected_entries(self.registry, model)
        unapproved = [f for f in model.findings.values() if f.review != "APPROVED"]
        event(f"finalized with {sum(bool(f.corrections) for f in unapproved)} unapproved "
              "verification(s) carrying corrections")
        self.lists.append((fixed, expected))
        model.state = "finalized"
        for finding in model.findings.values():
            finding.review = "FINAL" if finding.review == "APPROVED" else finding.review
        for pk, review in model.proposals.items():
            model.proposals[pk] = "FINAL" if review == "APPROVED" else review
        # The campaign's final figures count what the list holds (keluarga: corrections do not
        # change a family count): still-target and pending families, approved proposals.
        model.campaign.refresh_from_db()
        figures = stats.figures(model.campaign)
        assert fixed.keluarga == (figures.still_target.keluarga + figures.pending.keluarga
                                  + figures.proposed_approved.keluarga)

    @rule(index=st.integers(0, 4), outcome=st.sampled_from([*STILL_TARGET, *REMOVED]),
          approve=st.booleans())
    def change_request(self, index: int, outcome: str, approve: bool) -> None:
        from tepat.verification.campaigns import decide_change, request_change

        family = self.family(index)
        finding = self.current.findings[family.pk]
        request = self.attempt(finding.review == "FINAL", lambda: request_change(
            self.verification(family), actor=self.operator[family.desa], outcome=outcome,
            reason="ASN" if outcome == "MAMPU" else "", why="Hasil musdes salah dicatat"))
        if request is None:
            return
        decide_change(request.pk, actor=self.users.admin, approve=approve)
        if approve:
            finding.outcome = outcome
        v = self.verification(family)
        assert (v.outcome, v.review) == (finding.outcome, "FINAL")

    @precondition(lambda self: self.current.state == "finalized" and len(self.campaigns) < 3)
    @rule()
    def next_campaign(self) -> None:
        self._open_campaign()

    # --- what must hold after every step ------------------------------------------------------

    @invariant()
    def every_list_holds_the_registry_plus_approved_corrections(self) -> None:
        from tepat.verification.models import TargetList, TargetListEntry

        for fixed, expected in self.lists:
            rows = TargetListEntry.objects.filter(target_list=fixed)
            found = {e.key: Entry(e.desa_id, e.kepala_keluarga, e.jiwa, e.outcome) for e in rows}
            assert found == expected, f"list {fixed.sk_number}"
            stored = TargetList.objects.get(pk=fixed.pk)
            assert (stored.keluarga, stored.jiwa) == (
                len(expected), sum(e.jiwa for e in expected.values()))

    @invariant()
    def each_diff_shows_only_approved_changes(self) -> None:
        """Between a campaign's list and the one before it: added, removed and changed entries
        are those of the two expected lists, a removal says the approved removal outcome (none
        left when a change request made it still-target)."""
        from tepat.verification.diff import diff
        from tepat.verification.labels import outcome_label

        for n, (fixed, expected) in enumerate(self.lists[1:]):
            earlier, before = self.lists[n]
            rows = {(r.key, r.change): r.reason
                    for r in diff(earlier, fixed, viewer=self.users.admin)}
            findings = self.campaigns[n].findings
            by_key = {f.key: findings[pk] for pk, f in self.registry.items()}
            wanted = {(k, "added") for k in expected.keys() - before.keys()}
            wanted |= {(k, "removed") for k in before.keys() - expected.keys()}
            wanted |= {(k, "changed") for k in expected.keys() & before.keys()
                       if (expected[k].jiwa, expected[k].kepala_keluarga)
                       != (before[k].jiwa, before[k].kepala_keluarga)}
            assert set(rows) == wanted
            for key in before.keys() - expected.keys():  # an usulan of the list before: none
                outcome = by_key[key].outcome if key in by_key else ""
                reason = ("Tidak ada di daftar baru" if outcome not in REMOVED else
                          outcome_label(outcome) + (" (ASN)" if outcome == "MAMPU" else ""))
                assert rows[(key, "removed")] == reason

    @invariant()
    def the_verifications_are_as_the_model_has_them(self) -> None:
        from tepat.verification.models import Verification

        rows = Verification.objects.filter(campaign=self.current.campaign)
        found = {v.family_id: (v.review, v.outcome) for v in rows}
        assert found == {pk: (f.review, f.outcome) for pk, f in self.current.findings.items()}


def test_only_what_the_kecamatan_approved_reaches_a_target_list(registry, users):
    run_state_machine_as_test(
        lambda: TargetListMachine(users),
        settings=settings(max_examples=40, stateful_step_count=30, deadline=None,
                          derandomize=True, suppress_health_check=[HealthCheck.too_slow]),
    )
