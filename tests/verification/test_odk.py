"""The offline round trip: XLSForm out to ODK Collect / KoboCollect, the CSV export back in."""

from __future__ import annotations

import csv
import io
import time
from datetime import date
from decimal import Decimal

import pytest

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"

pytestmark = pytest.mark.django_db

# The columns of an ODK Central CSV export of the form (groups joined with "-", geopoints split).
CENTRAL_COLUMNS = [
    "SubmissionDate", "keluarga", "hasil", "alasan", "tujuan", "duplikat", "info_berubah",
    "catatan", "bukti-foto_rumah", "bukti-lokasi-Latitude", "bukti-lokasi-Longitude",
    "bukti-lokasi-Altitude", "bukti-lokasi-Accuracy", "meta-instanceID", "meta-instanceName",
    "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
    "ReviewState", "DeviceID", "Edits", "FormVersion",
]


def _odk():
    from tepat.verification import odk

    return odk


def _sheet(data: bytes, name: str) -> list[tuple]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [row for row in book[name].iter_rows(values_only=True)]


def family_choices(data: bytes, list_name: str = "keluarga") -> dict[str, str]:
    """Head name -> choice name, as the phone would submit it."""
    return {label.split(" · ")[0]: name
            for list_, name, label, *_rest in _sheet(data, "choices")[1:] if list_ == list_name}


def central_csv(rows: list[dict[str, str]], *, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, CENTRAL_COLUMNS, delimiter=delimiter, extrasaction="raise")
    writer.writeheader()
    for i, row in enumerate(rows, start=1):
        lat, lon = row.pop("lat", ""), row.pop("lon", "")
        uuid = row.pop("uuid", f"uuid:0000000{i}-aaaa-bbbb-cccc-dddddddddddd")
        writer.writerow({
            "SubmissionDate": f"2024-03-1{i}T08:00:00.000Z", "meta-instanceID": uuid, "KEY": uuid,
            "bukti-lokasi-Latitude": lat, "bukti-lokasi-Longitude": lon,
            "bukti-lokasi-Altitude": "312" if lat else "", "bukti-lokasi-Accuracy":
            "4.5" if lat else "", "SubmitterID": "7", "SubmitterName": "hp-malesanwetan",
            "Status": "", "ReviewState": "", "FormVersion": "20240305", **row})
    return out.getvalue().encode()


@pytest.fixture
def form(campaign, registry):
    return _odk().build_xlsform(campaign, MALESANWETAN)


@pytest.fixture
def write_csv(tmp_path):
    def write(content: bytes, name: str = "kiriman.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write


def _three_rows(form: bytes, registry) -> list[dict[str, str]]:
    choices = family_choices(form)
    abdul = registry.families[MALESANWETAN][2]  # desil 2: not in the campaign, still a family
    return [
        {"keluarga": choices["Sutrisno"], "hasil": "MAMPU", "alasan": "ASN",
         "catatan": "Anak menjadi PPPK guru", "bukti-foto_rumah": "1710000000001.jpg",
         "lat": "-7.812345678", "lon": "113.270001"},
        {"keluarga": choices["Misnati"], "hasil": "GANDA", "duplikat": f"f{abdul.pk}"},
    ]


# --- the form ----------------------------------------------------------------------------------


def test_the_form_converts_with_pyxform_and_passes_odk_validate(campaign, form):
    from pyxform.xls2xform import convert

    result = convert(xlsform=form, validate=True, file_type=".xlsx")  # runs ODK Validate (Java)
    assert not result.warnings
    settings = dict(zip(*_sheet(form, "settings")[:2], strict=True))
    assert settings["form_id"] == f"tepat_verval_{campaign.pk}_3513202001"
    assert "Malesanwetan" in settings["form_title"] and campaign.name in settings["form_title"]
    assert settings["version"].isdigit() and len(settings["version"]) == 14
    for field in ('"/data/keluarga"', '"/data/bukti/foto_rumah"', '"/data/bukti/lokasi"'):
        assert field in result.xform
    assert 'relevant=" /data/hasil  = \'MAMPU\'"' in result.xform


def test_the_choices_are_the_desa_families_it_may_still_edit_with_their_version(
        campaign, registry, users, verification_of):
    from tepat.verification import services as s

    sutrisno, misnati = registry.families[MALESANWETAN][:2]
    s.save_verification(verification_of(sutrisno).pk, s.Findings(outcome="LAYAK"),
                        actor=users.operator_desa, expected_version=0, submit=True)
    s.save_verification(verification_of(misnati).pk, s.Findings(outcome="PINDAH"),
                        actor=users.operator_desa, expected_version=0)
    choices = family_choices(_odk().build_xlsform(campaign, MALESANWETAN))
    # Sutrisno was submitted (no longer the desa's to edit); Abdul Rahman (desil 2) and
    # Mukarromah (DTSEN) are not in the campaign; Gunungbekel's families are another desa's.
    assert choices == {"Misnati": f"v{verification_of(misnati).pk}_1"}
    labels = [row[2] for row in _sheet(_odk().build_xlsform(campaign, MALESANWETAN), "choices")
              if row[0] == "keluarga"]
    assert "3513********0002" in labels[0] and misnati.no_kk not in labels[0]


def test_outcomes_and_reasons_are_the_canonical_codes_with_indonesian_labels(form):
    from tepat.core.outcomes import MAMPU_REASONS, OUTCOMES

    rows = _sheet(form, "choices")
    assert {r[1]: r[2] for r in rows if r[0] == "hasil"} == {
        code: o.label for code, o in OUTCOMES.items()}
    assert {r[1]: r[2] for r in rows if r[0] == "alasan"} == MAMPU_REASONS


@pytest.mark.parametrize("desa, message", [
    ("35.13.20.9999", "tidak dikenal"),
    ("35.13.01.2002", "tidak termasuk kampanye"),
])
def test_an_unknown_desa_or_one_outside_the_campaign_is_refused(campaign, registry, desa,
                                                                message):
    from tepat.verification.errors import RuleError

    with pytest.raises(RuleError, match=message):
        _odk().build_xlsform(campaign, desa)


@pytest.mark.slow
def test_a_desa_of_a_thousand_families_builds_in_a_few_seconds(registry, users, more_families):
    from pyxform.xls2xform import convert

    from tepat.verification.campaigns import CampaignPlan, create_campaign, open_campaign

    more_families(GUNUNGBEKEL, 1000, members=1)  # one member each: NIK serials stay < 10000
    plan = CampaignPlan(name="Semua desil", period="2024", source="p3ke", desil="",
                        opens_on=date(2024, 3, 1), closes_on=date(2024, 4, 15),
                        finalize_by=date(2024, 4, 22))
    campaign = open_campaign(create_campaign(plan, actor=users.admin), actor=users.admin)
    started = time.perf_counter()
    form = _odk().build_xlsform(campaign, GUNUNGBEKEL)
    built = time.perf_counter() - started
    convert(xlsform=form, validate=True, file_type=".xlsx")
    assert len(family_choices(form)) == 1002 and built < 3
    assert time.perf_counter() - started < 20


# --- the round trip ----------------------------------------------------------------------------


def test_a_central_export_comes_back_as_verifications_with_audit_events(
        campaign, registry, users, verification_of, form, write_csv):
    from tepat.audit.models import AuditEvent

    report = _odk().import_submissions(campaign, write_csv(central_csv(_three_rows(
        form, registry))), actor=users.operator_desa, submit=True)
    assert not report.rejected and len(report.imported) == 2 and not report.conflicts
    sutrisno, misnati = (verification_of(f) for f in registry.families[MALESANWETAN][:2])
    assert (sutrisno.outcome, sutrisno.reason, sutrisno.review) == ("MAMPU", "ASN", "SUBMITTED")
    assert sutrisno.note == "Anak menjadi PPPK guru" and sutrisno.source == "odk"
    assert (sutrisno.latitude, sutrisno.longitude) == (Decimal("-7.812346"),
                                                       Decimal("113.270001"))
    assert misnati.outcome == "GANDA"
    assert misnati.duplicate_of_id == registry.families[MALESANWETAN][2].pk
    events = AuditEvent.objects.filter(object_type="verification.verification",
                                       object_id=str(sutrisno.pk))
    assert [e.action for e in events] == ["verification.submitted"]  # one event per write
    submitted = events.get(action="verification.submitted")
    assert submitted.actor == users.operator_desa and submitted.data["channel"] == "odk"
    assert submitted.data["odk_instance"] and submitted.data["row"] == 2
    assert submitted.data["changes"]["outcome"] == {"before": "", "after": "MAMPU"}
    assert report.photos_not_imported == 1


def test_without_submit_the_rows_are_drafts(campaign, registry, users, verification_of, form,
                                            write_csv):
    _odk().import_submissions(campaign, write_csv(central_csv(_three_rows(form, registry))),
                              actor=users.operator_desa)
    assert verification_of(registry.families[MALESANWETAN][0]).review == "DRAFT"


def test_a_family_changed_on_the_web_after_the_export_is_a_conflict_not_overwritten(
        campaign, registry, users, verification_of, form, write_csv):
    from tepat.verification import services as s

    sutrisno = verification_of(registry.families[MALESANWETAN][0])
    s.save_verification(sutrisno.pk, s.Findings(outcome="LAYAK"), actor=users.admin,
                        expected_version=0)
    report = _odk().import_submissions(campaign, write_csv(central_csv(_three_rows(
        form, registry))), actor=users.operator_desa, submit=True)
    assert [n.family for n in report.conflicts] == ["Sutrisno"]
    conflict = report.conflicts[0]
    assert conflict.row == 2 and "Admin" in conflict.message_id
    assert "tidak ditimpa" in conflict.message_id
    sutrisno.refresh_from_db()
    assert (sutrisno.outcome, sutrisno.version) == ("LAYAK", 1)
    assert verification_of(registry.families[MALESANWETAN][1]).outcome == "GANDA"


def test_a_file_with_a_bad_row_is_refused_whole_and_nothing_is_written(
        campaign, registry, users, verification_of, form, write_csv):
    from tepat.audit.models import AuditEvent

    rows = _three_rows(form, registry)
    rows[1]["hasil"] = "PINDAH_KOTA"
    rows.append({"keluarga": "v999999_0", "hasil": "LAYAK", "lat": "-95", "lon": "113"})
    before = AuditEvent.objects.count()
    report = _odk().import_submissions(campaign, write_csv(central_csv(rows), "desa.csv"),
                                       actor=users.operator_desa, submit=True)
    assert report.rejected and not report.imported
    texts = report.error_texts()
    assert any("desa.csv, baris 3, kolom 'hasil'" in t and "PINDAH_KOTA" in t
               and "row 3, column 'hasil'" in t for t in texts)
    assert any("baris 4, kolom 'keluarga'" in t for t in texts)
    assert any("baris 4, kolom 'bukti-lokasi-Latitude'" in t for t in texts)
    assert AuditEvent.objects.count() == before
    assert all(verification_of(f).version == 0 for f in registry.families[MALESANWETAN][:2])


@pytest.mark.parametrize("change, column, expected", [
    ({"alasan": ""}, "alasan", "memerlukan alasan"),
    ({"alasan": "LAINNYA", "catatan": ""}, "catatan", "memerlukan catatan"),
    ({"alasan": "KAYA"}, "alasan", "tidak dikenal"),
])
def test_the_same_rules_as_the_web_form_name_the_column(campaign, registry, users, form,
                                                        write_csv, change, column, expected):
    rows = _three_rows(form, registry)[:1]
    rows[0].update(change)
    report = _odk().import_submissions(campaign, write_csv(central_csv(rows)),
                                       actor=users.operator_desa)
    assert report.rejected
    assert [(p.row, p.column) for p in report.errors] == [(2, column)]
    assert expected in report.errors[0].message_id


def test_importing_the_same_export_twice_changes_nothing_the_second_time(
        campaign, registry, users, verification_of, form, write_csv):
    from tepat.audit.models import AuditEvent

    path = write_csv(central_csv(_three_rows(form, registry)))
    _odk().import_submissions(campaign, path, actor=users.operator_desa)
    events = AuditEvent.objects.count()
    again = _odk().import_submissions(campaign, path, actor=users.operator_desa, submit=True)
    assert not again.rejected and not again.imported and not again.conflicts
    assert [n.message_en for n in again.skipped] == ["already imported"] * 2
    assert AuditEvent.objects.count() == events
    assert verification_of(registry.families[MALESANWETAN][0]).version == 1


def test_a_kobo_export_with_groups_semicolons_a_bom_and_labels_is_read(
        campaign, registry, users, verification_of, form, write_csv):
    choices = family_choices(form)
    header = ["start", "end", "keluarga", "hasil", "alasan", "tujuan", "duplikat", "catatan",
              "bukti/foto_rumah", "bukti/lokasi", "_bukti/lokasi_latitude",
              "_bukti/lokasi_longitude", "meta/instanceID", "_id", "_uuid", "_submission_time",
              "_validation_status", "_index"]
    rows = [
        ["", "", choices["Sutrisno"], "Pindah domisili", "", "Kab. Malang", "", "", "", 
         "-7.81 113.27 300 5", "-7.81", "113.27", "uuid:k1", "11", "k1",
         "2024-03-12T01:02:03", "", "1"],
        ["", "", choices["Misnati"], "TIDAK_DITEMUKAN", "", "", "", "", "", "", "", "",
         "uuid:k2", "12", "k2", "2024-03-12T01:05:03", "validation_status_not_approved", "2"],
    ]
    text = "\n".join(";".join(r) for r in [header, *rows])
    report = _odk().import_submissions(campaign, write_csv(b"\xef\xbb\xbf" + text.encode()),
                                       actor=users.operator_desa)
    assert not report.rejected, report.error_texts()
    sutrisno = verification_of(registry.families[MALESANWETAN][0])
    assert (sutrisno.outcome, sutrisno.destination) == ("PINDAH", "Kab. Malang")
    assert sutrisno.latitude == Decimal("-7.810000")
    assert [n.row for n in report.skipped] == [3]  # rejected on the Kobo server
    assert verification_of(registry.families[MALESANWETAN][1]).outcome == ""


def test_a_changed_family_outcome_needs_corrections_on_the_web_and_stays_a_draft(
        campaign, registry, users, verification_of, form, write_csv):
    rows = [{"keluarga": family_choices(form)["Sutrisno"], "hasil": "LAYAK_BERUBAH"}]
    report = _odk().import_submissions(campaign, write_csv(central_csv(rows)),
                                       actor=users.operator_desa, submit=True)
    assert [n.family for n in report.drafts] == ["Sutrisno"]
    assert verification_of(registry.families[MALESANWETAN][0]).review == "DRAFT"


def test_a_family_outside_the_importers_area_is_refused(campaign, registry, users, form,
                                                        write_csv):
    report = _odk().import_submissions(campaign, write_csv(central_csv(_three_rows(
        form, registry))), actor=users.operator_desa_sibling)
    assert report.rejected and {p.column for p in report.errors} == {"keluarga"}


@pytest.mark.parametrize("content, expected", [
    (b"", "kosong"),
    (b"PK\x03\x04 zip", "CSV"),
    (b"name,value\nx,1\n", "Kolom keluarga, hasil tidak ada"),
    ("keluarga,hasil\nv1_0,LAYAK\n".encode("utf-16"), "UTF-8"),
])
def test_a_file_that_is_not_an_export_is_refused_clearly(campaign, users, write_csv, content,
                                                         expected):
    report = _odk().import_submissions(campaign, write_csv(content), actor=users.operator_desa)
    assert report.rejected and expected in report.error_texts()[0]


# --- the command line --------------------------------------------------------------------------


def test_the_cli_writes_the_form_and_imports_the_export(campaign, registry, users,
                                                        verification_of, tmp_path, write_csv):
    from django.core.management import call_command

    out, stdout = tmp_path / "malesanwetan.xlsx", io.StringIO()
    call_command("campaign", "xlsform", str(campaign.pk), "--desa", MALESANWETAN, "--out",
                 str(out), stdout=stdout)
    assert "2 keluarga" in stdout.getvalue() and str(out) in stdout.getvalue()
    path = write_csv(central_csv(_three_rows(out.read_bytes(), registry)))
    stdout = io.StringIO()
    call_command("campaign", "import-submissions", str(campaign.pk), str(path), "--user",
                 "operator.desa", "--submit", stdout=stdout)
    assert "2 diimpor" in stdout.getvalue()
    assert verification_of(registry.families[MALESANWETAN][0]).review == "SUBMITTED"


def test_the_cli_refuses_an_unknown_user_a_bad_desa_and_a_bad_file(campaign, registry, users,
                                                                   tmp_path, write_csv):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="tidak termasuk kampanye"):
        call_command("campaign", "xlsform", str(campaign.pk), "--desa", "35.13.01.2002",
                     "--out", str(tmp_path / "x.xlsx"))
    path = write_csv(b"keluarga,hasil\nv1_0,SALAH\n")
    with pytest.raises(CommandError, match="Pengguna 'siapa' tidak ada"):
        call_command("campaign", "import-submissions", str(campaign.pk), str(path), "--user",
                     "siapa")
    stdout = io.StringIO()
    with pytest.raises(CommandError, match="ditolak"):
        call_command("campaign", "import-submissions", str(campaign.pk), str(path), "--user",
                     "operator.desa", stdout=stdout)
    assert "baris 2, kolom 'hasil'" in stdout.getvalue()


def test_a_family_sent_twice_in_one_file_takes_the_later_submission(
        campaign, registry, users, verification_of, form, write_csv):
    choice = family_choices(form)["Sutrisno"]
    rows = [{"keluarga": choice, "hasil": "PINDAH", "SubmissionDate": "2024-03-14T09:00:00Z"},
            {"keluarga": choice, "hasil": "MENINGGAL", "SubmissionDate": "2024-03-12T09:00:00Z"}]
    report = _odk().import_submissions(campaign, write_csv(central_csv(rows)),
                                       actor=users.operator_desa)
    assert verification_of(registry.families[MALESANWETAN][0]).outcome == "PINDAH"
    assert [(n.row, n.message_en) for n in report.conflicts] == [
        (3, "sent again in row 2; the later submission is used")]


def test_an_export_without_instance_ids_is_still_safe_to_import_twice(
        campaign, registry, users, verification_of, form, write_csv):
    rows = "keluarga,hasil\n" + f"{family_choices(form)['Sutrisno']},TIDAK_DITEMUKAN\n"
    path = write_csv(rows.encode())
    _odk().import_submissions(campaign, path, actor=users.operator_desa)
    again = _odk().import_submissions(campaign, path, actor=users.operator_desa)
    assert [n.message_en for n in again.skipped] == ["already imported (same values)"]
    assert verification_of(registry.families[MALESANWETAN][0]).version == 1


# --- no oracle (issue 16 §3) -------------------------------------------------------------------


def test_duplikat_follows_the_web_form_s_rule_and_refuses_every_other_family_alike(
        campaign, registry, users, verification_of, form, write_csv):
    """Another family of the same desa, as the web form (services.may_duplicate). A family of
    a sibling desa, of another kecamatan, the family itself or an id that does not exist get
    the same words: walking the ids tells nothing about who exists outside the desa."""
    choices = family_choices(form)
    misnati = registry.families[MALESANWETAN][1]
    sibling = registry.families[GUNUNGBEKEL][0]  # same kecamatan: allowed until issue 16
    elsewhere = registry.families[NGADISARI][0]
    missing = max(f.pk for f in registry.all_families) + 1000
    answers = {}
    for name, family_id in (("sibling", sibling.pk), ("elsewhere", elsewhere.pk),
                            ("itself", misnati.pk), ("missing", missing)):
        report = _odk().import_submissions(campaign, write_csv(central_csv([
            {"keluarga": choices["Misnati"], "hasil": "GANDA", "duplikat": f"f{family_id}"}])),
            actor=users.operator_desa, submit=True)
        assert report.rejected and len(report.errors) == 1
        answers[name] = report.error_texts()[0].replace(f"f{family_id}", "f<id>")
    assert len(set(answers.values())) == 1, answers
    assert "keluarga lain di desa ini" in answers["missing"]
    assert "another family of this village" in answers["missing"]
    assert verification_of(misnati).outcome == ""  # nothing written
