"""An agency's disbursement file imported as intervention records with their status (issue 17
§6): previewed without writing, paid rows DELIVERED and failed rows FAILED, a planned aid of the
period marked delivered instead of duplicated, the same file twice adds nothing, a later file
updates a payment, unmatched rows wait for review."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"
HEADER = "No Referensi;NIK;No KK;Nama;Periode;Tanggal Salur;Nominal;Status;Keterangan;Bank"
UNKNOWN_NIK = "3513204107790009"


def _csv(tmp_path, *lines: str, name: str = "salur.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _family(registry, desa, head):
    return next(f for f in registry.families[desa] if f.kepala_keluarga == head)


def _member(family, number):
    return family.members.order_by("source_person_id")[number - 1]


def _counts():
    from tepat.audit.models import AuditEvent
    from tepat.interventions.models import BeneficiaryUpload, Intervention, UnmatchedRow

    return (Intervention.objects.count(), BeneficiaryUpload.objects.count(),
            UnmatchedRow.objects.count(), AuditEvent.objects.count())


def _import(programme, path, actor, **kwargs):
    from tepat.interventions.disbursement import import_disbursements

    return import_disbursements(programme, path, actor=actor, file_name=path.name, **kwargs)


@pytest.fixture(autouse=True)
def _own_snapshot(settings, tmp_path):
    """Each test's registry snapshot (tepat.linkage.matching) in its own folder."""
    settings.INSTANCE_DIR = tmp_path / "instance"


@pytest.fixture
def people(registry):
    sutrisno = _family(registry, MALESANWETAN, "Sutrisno")
    siti = _family(registry, GUNUNGBEKEL, "Siti Aminah")
    return sutrisno, _member(sutrisno, 2), siti


@pytest.fixture
def first_file(tmp_path, people):
    sutrisno, wife, siti = people
    return _csv(tmp_path,
                f"TRX-1;{wife.nik};;{wife.nama};April 2025;15/04/2025;Rp 750.000;Tersalur;;BNI",
                f";;{siti.no_kk};Siti Aminah;TW2 2025;;600000;Gagal - rekening pasif;;Pos",
                f";{UNKNOWN_NIK};;Orang Lain;2025-04;;Rp 750.000;Sudah Cair;;BNI",
                ";;;Tanpa Nomor;2025-04;;;Tersalur;;")


def test_the_preview_counts_every_row_and_writes_nothing(gesek, users, people, first_file):
    from tepat.interventions.disbursement import NEW, WAITING, preview_disbursements

    before = _counts()
    plan = preview_disbursements(gesek.programmes["PKH"], first_file, actor=users.admin,
                                 file_name=first_file.name)

    assert _counts() == before
    assert (plan.rows, plan.counts[NEW], plan.counts[WAITING], len(plan.problems)) == (4, 2, 1, 1)
    assert (plan.paid, plan.failed, plan.amount_paid()) == (2, 1, Decimal(1_500_000))
    assert plan.problems[0].row == 5 and plan.problems[0].code == "PAY_NO_NUMBER"
    assert plan.problems[0].message_id.startswith("Berkas salur.csv baris 5 kolom 'NIK / No KK'")


def test_paid_rows_are_delivered_failed_rows_failed_the_rest_waits(gesek, users, people,
                                                                   first_file):
    from tepat.audit.models import AuditEvent
    from tepat.interventions.models import InterventionStatus, UnmatchedRow, UploadKind

    sutrisno, wife, siti = people
    plan = _import(gesek.programmes["PKH"], first_file, users.admin)

    upload = plan.upload
    assert upload.kind == UploadKind.DISBURSEMENTS
    assert (upload.rows, upload.matched, upload.unmatched, upload.refused) == (4, 2, 1, 1)
    made = {i.family_id: i for i in upload.interventions.all()}
    paid, failed = made[sutrisno.pk], made[siti.pk]
    assert (paid.status, paid.person_id, paid.amount, paid.delivered_on, paid.period,
            paid.reference, paid.channel) == (
        InterventionStatus.DELIVERED, wife.pk, 750_000, date(2025, 4, 15), "2025-04", "TRX-1",
        "BNI")
    assert (failed.status, failed.failure_reason, failed.period, failed.delivered_on) == (
        InterventionStatus.FAILED, "rekening pasif", "2025-T2", date(2025, 4, 1))
    waiting = UnmatchedRow.objects.get(upload=upload)
    assert (waiting.row_number, waiting.payment_status, waiting.period, waiting.reason) == (
        4, InterventionStatus.DELIVERED, "2025-04",
        "NIK tidak ditemukan di registri; No. KK kosong / NIK not found in the registry; "
        "No. KK is empty")  # both languages stored; the page shows the reader's
    event = AuditEvent.objects.get(action="interventions.disbursement.imported")
    assert event.data["refused"] == 1 and event.data["refused_rows"][0].startswith(
        "Berkas salur.csv baris 5")
    assert AuditEvent.objects.filter(action="interventions.payment.recorded").count() == 2


def test_the_same_file_twice_adds_nothing(gesek, users, people, first_file):
    from tepat.interventions.disbursement import SAME, WAITING_ALREADY

    _import(gesek.programmes["PKH"], first_file, users.admin)
    before = _counts()
    again = _import(gesek.programmes["PKH"], first_file, users.admin)

    assert again.upload is None and again.changes == 0
    assert (again.counts[SAME], again.counts[WAITING_ALREADY]) == (2, 1)
    interventions, uploads, rows, events = _counts()
    assert (interventions, uploads, rows, events) == (before[0], before[1], before[2],
                                                      before[3] + 1)  # the attempt, audited


def test_a_later_file_updates_a_failed_payment_to_paid(gesek, users, people, first_file,
                                                       tmp_path):
    from tepat.interventions.disbursement import SAME, UPDATE
    from tepat.interventions.models import Intervention, InterventionStatus

    sutrisno, wife, siti = people
    _import(gesek.programmes["PKH"], first_file, users.admin)
    later = _csv(tmp_path,
                 f"TRX-1;{wife.nik};;{wife.nama};April 2025;15/04/2025;Rp 750.000;Tersalur;;BNI",
                 f";;{siti.no_kk};Siti Aminah;Triwulan II 2025;20/05/2025;600.000;Dibayar;;Pos",
                 name="salur-ulang.csv")
    plan = _import(gesek.programmes["PKH"], later, users.admin)

    assert (plan.counts[SAME], plan.counts[UPDATE]) == (1, 1)
    record = Intervention.objects.get(family=siti)  # still one record: updated, not added
    assert (record.status, record.failure_reason, record.delivered_on, record.upload) == (
        InterventionStatus.DELIVERED, "", date(2025, 5, 20), plan.upload)


def test_a_planned_aid_of_the_period_is_marked_delivered_not_duplicated(gesek, users, people,
                                                                        tmp_path):
    from tepat.interventions.disbursement import NEW, PLANNED
    from tepat.interventions.models import Intervention, InterventionStatus
    from tepat.interventions.services import add_intervention

    sutrisno, wife, siti = people
    programme = gesek.programmes["PKH"]
    in_period = add_intervention(programme, sutrisno, actor=users.admin,
                                 delivered_on=date(2025, 4, 1), status=InterventionStatus.PLANNED)
    later = add_intervention(programme, siti, actor=users.admin,
                             delivered_on=date(2025, 7, 1), status=InterventionStatus.PLANNED)
    path = _csv(tmp_path, f";{wife.nik};;x;2025-04;;;Tersalur;;",
                f";;{siti.no_kk};x;2025-04;;;Tersalur;;")
    plan = _import(programme, path, users.admin)

    assert (plan.counts[PLANNED], plan.counts[NEW]) == (1, 1)
    in_period.refresh_from_db()
    assert (in_period.status, in_period.period, in_period.upload) == (
        InterventionStatus.DELIVERED, "2025-04", plan.upload)
    assert Intervention.objects.filter(family=sutrisno).count() == 1
    later.refresh_from_db()
    assert later.status == InterventionStatus.PLANNED  # July's plan is not April's payment
    assert Intervention.objects.filter(family=siti).count() == 2


def test_a_waiting_row_confirmed_records_its_payment_and_is_then_known(gesek, users, people,
                                                                       first_file):
    from tepat.interventions.disbursement import SAME, WAITING_ALREADY
    from tepat.interventions.matching import confirm_row
    from tepat.interventions.models import InterventionStatus, UnmatchedRow

    sutrisno, wife, siti = people
    plan = _import(gesek.programmes["PKH"], first_file, users.admin)
    row = UnmatchedRow.objects.get(upload=plan.upload)
    intervention = confirm_row(row, siti, actor=users.admin)

    assert (intervention.status, intervention.period, intervention.payment_key,
            intervention.amount) == (InterventionStatus.DELIVERED, "2025-04",
                                     f"nik:{UNKNOWN_NIK}:2025-04", 750_000)
    again = _import(gesek.programmes["PKH"], first_file, users.admin)
    assert again.changes == 0 and (again.counts[SAME], again.counts[WAITING_ALREADY]) == (3, 0)


def test_a_payment_with_a_mistyped_nik_waits_and_is_scored_against_the_right_person(
        gesek, users, people, tmp_path):
    """A payment row has no birth date or desa: a NIK with a birth digit mistyped and the name
    are scored against the right person (the block "region + serial + name" finds the pair;
    the NIK comparison says "one digit off"), and the payment waits for a person's word.
    (In this small registry every name is frequent, so the name weighs little and the row
    waits without a candidate above the review threshold; at regency size it has one.)"""
    import polars as pl

    from tepat.interventions.models import UnmatchedRow
    from tepat.linkage.engine import RECORD_SCHEMA
    from tepat.linkage.matching import match

    sutrisno, _wife, siti = people
    head = _member(sutrisno, 1)
    mistyped = head.nik[:11] + str((int(head.nik[11]) + 1) % 10) + head.nik[12:]
    path = _csv(tmp_path, f"TRX-9;{mistyped};;{head.nama.upper()};April 2025;15/04/2025;750000;"
                "Tersalur;;BNI")

    plan = _import(gesek.programmes["PKH"], path, users.admin)

    assert plan.upload.matched == 0 and UnmatchedRow.objects.filter(upload=plan.upload).exists()
    schema = {k: v for k, v in RECORD_SCHEMA.items() if k != "unique_id"}
    row = pl.DataFrame([{"source": "list", "record_id": "9", "nik": mistyped,
                         "nama": head.nama.upper()}], schema=schema)
    best = match(row, threshold=0.01).row(0, named=True)
    assert best["person_id"] == head.pk
    assert {c["key"]: c["level"] for c in best["comparisons"]}["nik"] == "one_digit"


def test_another_file_than_the_previewed_one_is_refused(gesek, users, first_file):
    from tepat.verification.errors import RuleError

    before = _counts()
    with pytest.raises(RuleError, match="Berkas berubah sejak pratinjau"):
        _import(gesek.programmes["PKH"], first_file, users.admin, sha256="0" * 64)
    assert _counts() == before


def test_a_file_without_the_required_columns_is_refused_whole(gesek, users, tmp_path):
    from tepat.interventions.beneficiary_file import UploadRejected

    path = tmp_path / "salah.csv"
    path.write_text("NIK;Nama;Nominal\n3513204703850001;Siti;600000\n", encoding="utf-8")
    before = _counts()
    with pytest.raises(UploadRejected) as caught:
        _import(gesek.programmes["PKH"], path, users.admin)
    problem = caught.value.file_problems[0]
    assert "Berkas salah.csv: kolom wajib tidak ditemukan: 'Periode'" in problem.message_id
    assert "'Status'" in problem.message_en and "required columns" in problem.message_en
    assert _counts() == before


def test_an_operator_of_another_agency_cannot_import(gesek, users, first_file):
    from tepat.verification.errors import RuleError

    with pytest.raises(RuleError):
        _import(gesek.programmes["RTLH"], first_file, users.opd)


def test_a_bank_workbook_with_a_title_block_numbers_and_a_total_row(gesek, users, people,
                                                                    tmp_path):
    """As banks send them: a title block, amounts and No. KK stored as numbers, a date cell, a
    JUMLAH row at the bottom; read through the pipeline's limited child process."""
    from xlsxwriter import Workbook

    from tepat.interventions.disbursement import NEW, preview_disbursements

    sutrisno, wife, siti = people
    path = tmp_path / "BNI-PKH-TW2-2025.xlsx"
    book = Workbook(str(path))
    sheet = book.add_worksheet("Penyaluran")
    sheet.write(0, 0, "DAFTAR PENYALURAN BANSOS PKH TAHAP 2 TAHUN 2025")
    sheet.write(1, 0, "Kabupaten Probolinggo")
    headers = ["No", "ID Transaksi", "NIK KPM", "No KK", "Nama KPM", "Tahap", "Tgl Salur",
               "Jumlah Bantuan", "Status Salur", "Bank Penyalur"]
    sheet.write_row(3, 0, headers)
    sheet.write_row(4, 0, [1, "BNI-0001", str(wife.nik), "", wife.nama, "TW2 2025"])
    sheet.write_datetime(4, 6, datetime(2025, 5, 20),
                         book.add_format({"num_format": "dd/mm/yyyy"}))
    sheet.write_row(4, 7, [750000, "Sudah Cair", "BNI"])
    sheet.write_row(5, 0, [2, "BNI-0002", "", int(siti.no_kk), "Siti Aminah", "TW2 2025", "",
                           750000.0, "Retur - rekening dormant", "BNI"])
    sheet.write_row(6, 0, ["JUMLAH", "", "", "", "", "", "", 1500000])
    book.close()

    plan = preview_disbursements(gesek.programmes["PKH"], path, actor=users.admin,
                                 file_name=path.name)

    assert (plan.counts[NEW], plan.problems) == (2, [])
    paid = next(o for o in plan.outcomes if o.row.reference == "BNI-0001")
    assert (paid.row.paid_on, paid.row.amount, paid.row.period.code, paid.family) == (
        date(2025, 5, 20), Decimal(750_000), "2025-T2", sutrisno.pk)
    assert len(plan.outcomes) == 2 and returned_family(plan) == siti.pk  # JUMLAH: no payment
    returned = next(o for o in plan.outcomes if o.row.reference == "BNI-0002")
    assert (returned.row.status, returned.row.reason) == ("failed", "rekening dormant")


def returned_family(plan):
    return next(o.family for o in plan.outcomes if o.row.reference == "BNI-0002")


def test_the_command_dry_run_prints_the_plan_and_writes_nothing(gesek, users, first_file):
    import io
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    before, out = _counts(), io.StringIO()
    call_command("disburse", str(first_file), programme=gesek.programmes["PKH"].pk,
                 user=users.admin.username, dry_run=True, format="json", stdout=out)
    summary = json.loads(out.getvalue())
    assert _counts() == before
    assert (summary["rows"], summary["new"], summary["waiting"], summary["refused"]) == (
        4, 2, 1, 1)
    assert summary["refused_rows"][0].startswith("Berkas salur.csv baris 5")
    assert UNKNOWN_NIK not in out.getvalue()

    call_command("disburse", str(first_file), programme=gesek.programmes["PKH"].pk,
                 user=users.admin.username, stdout=io.StringIO())
    assert _counts()[0] == before[0] + 2
    with pytest.raises(CommandError, match="Program 999 tidak ada"):
        call_command("disburse", str(first_file), programme=999, user=users.admin.username)
