"""Issue 19 §4: a desa takes back its sent batch until the kecamatan starts reviewing it."""

from __future__ import annotations

from datetime import date

import pytest

MALESANWETAN = "35.13.20.2001"

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(campaign, users):
    """Malesanwetan's batch sent: berita acara, an outcome for each family, submit_desa."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tepat.verification import services as s
    from tepat.verification.models import Verification

    rows = list(Verification.objects.filter(campaign=campaign, desa_id=MALESANWETAN))
    for v in rows:
        s.save_verification(v.pk, s.Findings(outcome="LAYAK"),
                            actor=users.operator_desa, expected_version=0)
    s.record_musdes(campaign, MALESANWETAN, actor=users.operator_desa,
                    held_on=date(2024, 3, 20), attendance=41,
                    berita_acara=SimpleUploadedFile("ba.pdf", b"%PDF-1.4 ..."))
    s.submit_desa(campaign, MALESANWETAN, actor=users.operator_desa)
    assert len(rows) >= 2
    return rows


def test_the_desa_takes_back_its_batch_before_any_decision(campaign, users, sent):
    from tepat.audit.models import AuditEvent
    from tepat.verification import services as s
    from tepat.verification import stats
    from tepat.verification.models import DesaSubmission, Verification

    assert stats.figures(campaign, desa_id=MALESANWETAN).verified.keluarga == len(sent)
    assert s.take_back_desa(campaign, MALESANWETAN, actor=users.operator_desa) == len(sent)
    states = set(Verification.objects.filter(pk__in=[v.pk for v in sent])
                 .values_list("review", flat=True))
    assert states == {"DRAFT"}
    assert not DesaSubmission.objects.filter(campaign=campaign, desa_id=MALESANWETAN).exists()
    assert stats.figures(campaign, desa_id=MALESANWETAN).verified.keluarga == 0
    assert AuditEvent.objects.filter(action="verification.desa.taken_back").count() == 1
    assert AuditEvent.objects.filter(action="verification.taken_back").count() == len(sent)
    # and the desa can send it again
    assert s.submit_desa(campaign, MALESANWETAN, actor=users.operator_desa) == len(sent)


def test_once_the_kecamatan_decided_one_family_the_batch_stays(campaign, users, sent):
    """The kecamatan decides first: the take back is refused and nothing changes."""
    from tepat.verification import services as s
    from tepat.verification.models import DesaSubmission, Verification
    from tepat.verification.selectors import may_take_back_batch

    s.review(campaign, [sent[0].pk], actor=users.operator_kecamatan, approve=False,
             reason="Foto rumah kurang jelas")
    batch = DesaSubmission.objects.get(campaign=campaign, desa_id=MALESANWETAN)
    assert not may_take_back_batch(campaign, batch)
    with pytest.raises(s.RuleError, match="sudah mulai memeriksa"):
        s.take_back_desa(campaign, MALESANWETAN, actor=users.operator_desa)
    states = list(Verification.objects.filter(pk__in=[v.pk for v in sent]).order_by("pk")
                  .values_list("review", flat=True))
    assert sorted(states) == sorted(["RETURNED"] + ["SUBMITTED"] * (len(sent) - 1))
    assert DesaSubmission.objects.filter(pk=batch.pk).exists()


def test_a_decision_after_the_take_back_finds_drafts(campaign, users, sent):
    """The other order: the kecamatan's stale page approves after the desa took it back."""
    from tepat.verification import services as s

    s.take_back_desa(campaign, MALESANWETAN, actor=users.operator_desa)
    with pytest.raises(s.RuleError):
        s.review_desa(campaign, MALESANWETAN, actor=users.operator_kecamatan, approve=True)
    with pytest.raises(s.RuleError, match="belum dikirim desa"):
        s.review(campaign, [sent[0].pk], actor=users.operator_kecamatan, approve=True)


def test_only_the_desa_itself_and_only_a_sent_batch(campaign, users, sent):
    from tepat.verification import services as s

    for actor in (users.operator_desa_sibling, users.operator_kecamatan):
        with pytest.raises(s.RuleError, match="tidak boleh memverifikasi"):
            s.take_back_desa(campaign, MALESANWETAN, actor=actor)
    s.take_back_desa(campaign, MALESANWETAN, actor=users.operator_desa)
    with pytest.raises(s.RuleError, match="belum mengirim"):
        s.take_back_desa(campaign, MALESANWETAN, actor=users.operator_desa)


def test_the_rule_lives_in_the_state_machine():
    from tepat.core.outcomes import Review, may_move, may_take_back

    assert may_take_back(Review.SUBMITTED, review_started=False)
    assert not may_take_back(Review.SUBMITTED, review_started=True)
    assert not may_take_back(Review.APPROVED, review_started=False)
    assert not may_move(Review.SUBMITTED, Review.DRAFT)  # never one family alone


@pytest.mark.django_db(transaction=True)
def test_a_take_back_racing_a_decision_leaves_one_consistent_state(campaign, users, sent):
    """On PostgreSQL, the take back and the kecamatan's decision released at the same instant,
    many times: either the decision won (the batch stays, the family decided) or the take back
    won (every family a draft, the decision refused) — never a decided family in a taken-back
    batch."""
    import functools

    from django.db import connection

    from tepat.verification import services as s
    from tepat.verification.models import DesaSubmission, Verification
    from thread_helpers import together

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SQLite serializes writers: the sequential tests)")
    outcomes = set()
    for _run in range(20):
        results = together(
            functools.partial(s.take_back_desa, campaign, MALESANWETAN,
                              actor=users.operator_desa),
            functools.partial(s.review, campaign, [sent[0].pk],
                              actor=users.operator_kecamatan, approve=True))
        taken, decided = (not isinstance(r, Exception) for r in results)
        assert taken != decided, results  # exactly one wins
        states = set(Verification.objects.filter(campaign=campaign, desa_id=MALESANWETAN)
                     .values_list("review", flat=True))
        batch = DesaSubmission.objects.filter(campaign=campaign, desa_id=MALESANWETAN)
        if taken:
            assert states == {"DRAFT"} and not batch.exists()
        else:
            assert "APPROVED" in states and batch.exists()
        outcomes.add("taken" if taken else "decided")
        # back to a sent batch for the next run
        v = Verification.objects.get(pk=sent[0].pk)
        if v.review == "APPROVED":
            s.review(campaign, [v.pk], actor=users.operator_kecamatan, approve=False,
                     reason="lagi")
        if batch.exists():
            DesaSubmission.objects.filter(campaign=campaign, desa_id=MALESANWETAN).delete()
        s.submit_desa(campaign, MALESANWETAN, actor=users.operator_desa)
    assert outcomes  # which side wins is the scheduler's choice; both are consistent
