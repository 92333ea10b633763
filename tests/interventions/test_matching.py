"""An agency's beneficiary list matched to the registry: exact on a valid NIK, then on a valid
KK held by one family, then by the linkage model when it is sure; the rest kept with the
model's candidates (in the uploader's area) for a person to decide; a bad file rejected whole,
naming row and column; the same file refused twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db

MALESANWETAN, GUNUNGBEKEL, NGADISARI = "35.13.20.2001", "35.13.20.2002", "35.13.01.2001"
HEADER = "NIK;No. KK;Nama;Tanggal lahir;Desa;Tanggal;Jumlah"


def _csv(tmp_path, *lines: str, name: str = "penerima.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _upload(programme, path, actor):
    from tepat.interventions.matching import upload_beneficiaries

    return upload_beneficiaries(programme, path, actor=actor, file_name=path.name)


def _family(registry, desa, head):
    return next(f for f in registry.families[desa] if f.kepala_keluarga == head)


def _member(family, number):
    return family.members.order_by("source_person_id")[number - 1]


def _renamed(family, head, **fields):
    """A family of `more_families` given a head's name (and other fields)."""
    from tepat.registry.models import Family, Person

    Family.objects.filter(pk=family.pk).update(kepala_keluarga=head, **fields)
    Person.objects.filter(family=family, hubungan="1").update(nama=head)
    family.refresh_from_db()
    return family


@pytest.fixture(autouse=True)
def _own_snapshot(settings, tmp_path):
    """Each test's registry snapshot (tepat.linkage.matching) in its own folder."""
    settings.INSTANCE_DIR = tmp_path / "instance"


def _typo(name: str) -> str:
    """The last vowel of the name's longest word mistyped ('Sutrisno' → 'Sutrisna'), as a clerk
    might; the name's consonants (its phonetic key, which the engine blocks on) stay."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    at = max(i for i, letter in enumerate(word) if letter.lower() in "aeiou")
    words[longest] = word[:at] + ("e" if word[at].lower() == "a" else "a") + word[at + 1:]
    return " ".join(words)


def _counts():
    from tepat.audit.models import AuditEvent
    from tepat.interventions.models import BeneficiaryUpload, Intervention, UnmatchedRow

    return (Intervention.objects.count(), BeneficiaryUpload.objects.count(),
            UnmatchedRow.objects.count(), AuditEvent.objects.count())


# --- exact matches ------------------------------------------------------------------------------


def test_a_valid_nik_matches_the_persons_family_and_a_kk_alone_its_family(gesek, registry,
                                                                         users, tmp_path):
    sutrisno = _family(registry, MALESANWETAN, "Sutrisno")
    siti = _family(registry, GUNUNGBEKEL, "Siti Aminah")
    wife = _member(sutrisno, 2)
    path = _csv(tmp_path, f"{wife.nik};;{wife.nama};;;01/05/2024;",
                f";{siti.no_kk};Siti Aminah;;;2024-05-02;2.500.000")

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    assert (report.rows, report.matched, report.unmatched) == (2, 2, 0)
    assert (report.by_nik, report.by_kk) == (1, 1)
    made = {i.family_id: i for i in report.upload.interventions.all()}
    assert made[sutrisno.pk].person_id == wife.pk
    assert made[sutrisno.pk].amount == 3_000_000  # no amount: the programme's unit cost
    assert made[siti.pk].amount == 2_500_000 and made[siti.pk].delivered_on == date(2024, 5, 2)


def test_an_invalid_nik_falls_back_to_the_kk(gesek, registry, users, tmp_path):
    poniti = _family(registry, NGADISARI, "Poniti")
    head = _member(poniti, 1)
    typo = head.nik[:15]  # one digit lost: not a valid NIK, never looked up
    wrong_date = head.nik[:6] + "993175" + head.nik[12:]  # day 99: not a real birth date
    path = _csv(tmp_path, f"{typo};{poniti.no_kk};Poniti;;;01/05/2024;",
                f"{wrong_date};;Poniti;;;01/05/2024;")

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    assert (report.matched, report.by_kk, report.unmatched) == (1, 1, 1)
    assert report.upload.interventions.get().family_id == poniti.pk
    held = report.upload.unmatched_rows.get()
    assert held.row_number == 3 and "NIK tidak valid" in held.reason


def test_a_kk_shared_by_two_families_is_not_an_exact_match(gesek, registry, more_families,
                                                           users, tmp_path):
    hasan = _family(registry, GUNUNGBEKEL, "Hasan Basri")
    twin = _renamed(more_families(GUNUNGBEKEL, 1)[0], "Hasan Bisri", no_kk=hasan.no_kk)
    path = _csv(tmp_path, f";{hasan.no_kk};Hasan Basri;;;01/05/2024;")

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    assert (report.matched, report.unmatched) == (0, 1)
    row = report.upload.unmatched_rows.get()
    assert "2 keluarga" in row.reason
    assert {c["family"] for c in row.candidates} == {hasan.pk, twin.pk}


# --- candidates ---------------------------------------------------------------------------------


def test_a_row_with_a_persons_name_birth_date_and_desa_is_that_person(gesek, registry, users,
                                                                      tmp_path):
    """No usable number, but the full name, the birth date and the desa of one registry person:
    the model links it (a namesake born the same day in the same desa is what it rules out)."""
    sutrisno = _family(registry, MALESANWETAN, "Sutrisno")
    path = _csv(tmp_path, f"35132001;;SUTRISNO;{sutrisno.tanggal_lahir:%d-%m-%Y};"
                f"Malesanwetan;01/05/2024;")

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    assert (report.matched, report.by_model, report.unmatched) == (1, 1, 0)
    made = report.upload.interventions.get()
    assert (made.family_id, made.person_id) == (sutrisno.pk, _member(sutrisno, 1).pk)


def test_a_row_without_a_usable_number_waits_with_the_models_candidates(gesek, registry, users,
                                                                       tmp_path):
    sutrisno = _family(registry, MALESANWETAN, "Sutrisno")
    path = _csv(tmp_path, f"35132001;;SUTRISNA;{sutrisno.tanggal_lahir:%d-%m-%Y};;"
                "01/05/2024;")

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    row = report.upload.unmatched_rows.get()  # a mistyped name and a date alone: not sure enough
    top = row.candidates[0]
    assert top["family"] == sutrisno.pk and top["person"] == _member(sutrisno, 1).pk
    assert 0.5 <= top["probability"] < 0.995
    levels = {c["key"]: c["level"] for c in top["comparisons"]}
    assert (levels["tanggal_lahir"], levels["nama"]) == ("exact", "jaro_winkler_high")
    assert len(row.candidates) <= 5 and "NIK tidak valid" in row.reason
    assert row.tanggal_lahir == sutrisno.tanggal_lahir


def test_ten_rows_with_typos_in_names_are_matched_to_the_right_person(gesek, registry, users,
                                                                      tmp_path):
    heads = [f.members.get(hubungan="1") for desa in registry.families.values() for f in desa]
    persons = heads + [p for p in registry.persons if p.hubungan == "2"]
    persons = persons[:10]
    lines = []
    for number, p in enumerate(persons):
        # Half with a birth digit of the NIK mistyped, half with a NIK too short to use. (One
        # serial digit off is what two people born the same day in one kecamatan look like.)
        typo = p.nik[:11] + str((int(p.nik[11]) + 1) % 10) + p.nik[12:]
        nik = typo if number % 2 else p.nik[:12]
        lines.append(f"{nik};;{_typo(p.nama)};{p.tanggal_lahir:%d/%m/%Y};{p.desa_id};"
                     "01/05/2024;")

    report = _upload(gesek.programmes["PKH"], _csv(tmp_path, *lines), users.admin)

    assert (report.rows, report.matched, report.by_model, report.unmatched) == (10, 10, 10, 0)
    made = {(i.family_id, i.person_id) for i in report.upload.interventions.all()}
    assert made == {(p.family_id, p.pk) for p in persons}


def test_a_stranger_waits_without_a_candidate(gesek, registry, users, tmp_path):
    path = _csv(tmp_path, "3513204107790009;;Zzyzx Qwerty;;;01/05/2024;")

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    row = report.upload.unmatched_rows.get()
    assert (report.matched, row.candidates) == (0, [])
    assert "NIK tidak ditemukan" in row.reason


def test_no_candidate_is_found_outside_the_users_area(registry, users):
    from tepat.interventions.beneficiary_file import BeneficiaryRow
    from tepat.interventions.matching import match_rows

    poniti = _member(_family(registry, NGADISARI, "Poniti"), 1)  # kecamatan Sukapura
    row = BeneficiaryRow(2, poniti.nik[:12], None, _typo(poniti.nama), poniti.tanggal_lahir,
                         poniti.desa_id, date(2024, 5, 1), None)

    everywhere, = match_rows([row], users.admin)
    tegalsiwalan, = match_rows([row], users.operator_kecamatan)

    assert everywhere.family == poniti.family_id and everywhere.by == "model"
    assert (tegalsiwalan.family, tegalsiwalan.candidates) == (None, [])


def test_two_families_equally_likely_are_left_to_a_person(registry, users, more_families):
    from tepat.interventions.beneficiary_file import BeneficiaryRow
    from tepat.interventions.matching import match_rows
    from tepat.registry.models import Person

    sutrisno = _member(_family(registry, MALESANWETAN, "Sutrisno"), 1)
    namesake = _renamed(more_families(MALESANWETAN, 1)[0], "Sutrisno")
    Person.objects.filter(family=namesake, hubungan="1").update(
        tanggal_lahir=sutrisno.tanggal_lahir)
    row = BeneficiaryRow(2, "3513", None, "Sutrisno", sutrisno.tanggal_lahir, MALESANWETAN,
                         date(2024, 5, 1), None)

    outcome, = match_rows([row], users.admin)

    assert outcome.family is None
    assert {c["family"] for c in outcome.candidates} >= {sutrisno.family_id, namesake.pk}


def test_a_nik_twice_in_the_file_is_matched_once_and_the_other_row_held(gesek, registry, users,
                                                                        tmp_path):
    misnati = _member(_family(registry, MALESANWETAN, "Misnati"), 1)
    path = _csv(tmp_path, f"{misnati.nik};;Misnati;;;01/05/2024;",
                f"{misnati.nik};;Misnati;;;01/05/2024;")

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    assert (report.rows, report.matched, report.unmatched, report.duplicates) == (2, 1, 1, 1)
    held = report.upload.unmatched_rows.get()
    assert "baris 2" in held.reason and held.candidates[0]["family"] == misnati.family_id


# --- bad files ----------------------------------------------------------------------------------


def test_a_bad_file_is_rejected_naming_row_and_column_and_nothing_is_written(gesek, registry,
                                                                             users, tmp_path):
    from tepat.interventions.beneficiary_file import UploadRejected

    good = _member(_family(registry, MALESANWETAN, "Sutrisno"), 1)
    path = _csv(tmp_path, f"{good.nik};;Sutrisno;;;01/05/2024;",
                f"{good.nik[:-1]}7;;Budi;;;31/13/2024;",
                ";;Tanpa Nomor;;;01/05/2024;",
                f";{good.nik};Sutrisno;;;01/05/2024;tiga juta",
                f";{good.nik};Sutrisno;;Desa Antah;01/05/2024;", name="pkh mei.csv")
    before = _counts()

    with pytest.raises(UploadRejected) as caught:
        _upload(gesek.programmes["PKH"], path, users.admin)

    problems = {(p.row, p.column): p for p in caught.value.file_problems}
    assert set(problems) == {(3, "Tanggal"), (4, "NIK / No. KK"), (5, "Jumlah"), (6, "Desa")}
    bad_date = problems[(3, "Tanggal")]
    assert bad_date.message_id.startswith("Berkas pkh mei.csv baris 3 kolom 'Tanggal'")
    assert "31/13/2024" in bad_date.message_id and "yang diharapkan" in bad_date.message_id
    assert bad_date.message_en.startswith("File pkh mei.csv row 3 column 'Tanggal'")
    assert good.nik not in str(caught.value)  # numbers in messages are masked
    assert _counts() == before


def test_a_file_without_a_nik_or_kk_column_is_rejected(gesek, users, tmp_path):
    from tepat.interventions.beneficiary_file import UploadRejected

    path = tmp_path / "daftar.csv"
    path.write_text("Nama;Tanggal;Nilai\nSutrisno;01/05/2024;3000000\n", encoding="utf-8")
    with pytest.raises(UploadRejected, match="NIK.*No. KK"):
        _upload(gesek.programmes["PKH"], path, users.admin)


def test_a_file_that_is_no_spreadsheet_is_rejected_by_name(gesek, users, tmp_path):
    from tepat.interventions.beneficiary_file import UploadRejected

    path = tmp_path / "penerima.xlsx"
    path.write_bytes(b"%PDF-1.4 not a workbook")
    with pytest.raises(UploadRejected, match="penerima.xlsx bukan lembar kerja"):
        _upload(gesek.programmes["PKH"], path, users.admin)


def test_an_xlsx_with_a_title_block_and_numbers_stored_as_numbers_is_read(gesek, registry,
                                                                         users, tmp_path):
    import xlsxwriter

    siti = _member(_family(registry, GUNUNGBEKEL, "Siti Aminah"), 1)
    path = tmp_path / "penerima.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Penerima")
    sheet.write(0, 0, "DAFTAR PENERIMA PKH KABUPATEN PROBOLINGGO 2024")
    sheet.write_row(2, 0, ["No", "NIK Penerima", "Nama Penerima", "Tanggal Penyaluran", "Nilai"])
    sheet.write_row(3, 0, [1, siti.nik, "Siti Aminah"])
    sheet.write_datetime(3, 3, __import__("datetime").datetime(2024, 6, 3),
                         book.add_format({"num_format": "dd/mm/yyyy"}))
    sheet.write_number(3, 4, 750000)
    book.close()

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    made = report.upload.interventions.get()
    assert (made.family_id, made.delivered_on, made.amount) == (siti.family_id, date(2024, 6, 3),
                                                                 750000)


def test_the_same_file_is_refused_the_second_time(gesek, registry, users, tmp_path):
    from tepat.verification.errors import RuleError

    nik = _member(_family(registry, MALESANWETAN, "Sutrisno"), 1).nik
    path = _csv(tmp_path, f"{nik};;Sutrisno;;;01/05/2024;")
    _upload(gesek.programmes["PKH"], path, users.admin)
    before = _counts()
    copy = tmp_path / "salinan.csv"
    copy.write_bytes(path.read_bytes())
    with pytest.raises(RuleError, match="sudah pernah diunggah"):
        _upload(gesek.programmes["PKH"], copy, users.admin)
    assert _counts() == before
    _upload(gesek.programmes["PBI_JK"], copy, users.admin)  # another programme: its own list


@pytest.mark.parametrize(("text", "amount"), [
    ("3000000", 3_000_000), ("3.000.000", 3_000_000), ("Rp 3.000.000", 3_000_000),
    ("3,000,000", 3_000_000), ("3000000.0", 3_000_000), ("750.000,50", 750_001), ("0", 0),
    ("tiga juta", None), ("-5000", None), ("3.000.00", None),
])
def test_amounts_are_read_in_indonesian_and_english_style(text, amount):
    from tepat.interventions.beneficiary_file import parse_amount

    assert parse_amount(text) == (None if amount is None else Decimal(amount))


# --- a person decides -----------------------------------------------------------------------


@pytest.fixture
def held(gesek, registry, users, tmp_path):
    """An upload of the PKH programme whose one row (Sutrisno misspelt, no desa, numbers
    unusable) is held."""
    sutrisno = _family(registry, MALESANWETAN, "Sutrisno")
    path = _csv(tmp_path, f"3513;;Sutrisna;{sutrisno.tanggal_lahir:%Y-%m-%d};;"
                "01/05/2024;2750000")
    return _upload(gesek.programmes["PKH"], path, users.admin).upload.unmatched_rows.get()


def test_confirming_a_row_writes_one_intervention_and_meets_the_need(gesek, registry, users,
                                                                    held):
    from tepat.audit.models import AuditEvent
    from tepat.gesek.services import reassign, record_need
    from tepat.interventions.matching import confirm_row
    from tepat.interventions.models import Intervention
    from tepat.registry.models import Family
    from tepat.verification.errors import RuleError

    entry = gesek.target_list.entries.get(kepala_keluarga="Sutrisno")
    reassign(entry, gesek.member, actor=users.admin)
    need = record_need(entry, "PKH", actor=users.pejabat)
    family = Family.objects.get(pk=held.candidates[0]["family"])
    assert family == entry.family

    made = confirm_row(held, family, actor=users.admin)

    assert Intervention.objects.filter(family=family).count() == 1
    assert (made.amount, made.delivered_on, made.upload_id) == (2_750_000, date(2024, 5, 1),
                                                               held.upload_id)
    held.refresh_from_db()
    assert (held.state, held.resolved_family, held.resolved_by) == ("confirmed", family,
                                                                    users.admin)
    need.refresh_from_db()
    assert need.status == "met" and need.met_by == made
    assert AuditEvent.objects.filter(action="interventions.unmatched.confirmed",
                                     object_id=str(held.pk)).count() == 1
    with pytest.raises(RuleError, match="sudah diputuskan"):
        confirm_row(held, family, actor=users.admin)
    assert Intervention.objects.filter(family=family).count() == 1


def test_rejecting_a_row_needs_a_reason_and_writes_nothing_else(users, held):
    from tepat.audit.models import AuditEvent
    from tepat.interventions.matching import reject_row
    from tepat.interventions.models import Intervention
    from tepat.verification.errors import RuleError

    with pytest.raises(RuleError, match="alasan"):
        reject_row(held, actor=users.admin, why=" ")
    reject_row(held, actor=users.admin, why="Bukan warga kabupaten ini")
    held.refresh_from_db()
    assert held.state == "rejected" and Intervention.objects.count() == 0
    event = AuditEvent.objects.get(action="interventions.unmatched.rejected")
    assert event.data["why"] == "Bukan warga kabupaten ini"


def test_every_write_is_audited(gesek, registry, users, tmp_path):
    from tepat.audit.models import AuditEvent

    nik = _member(_family(registry, MALESANWETAN, "Sutrisno"), 1).nik
    path = _csv(tmp_path, f"{nik};;Sutrisno;;;01/05/2024;", f";{'9' * 16};X;;;01/05/2024;")
    report = _upload(gesek.programmes["PKH"], path, users.admin)
    upload_event = AuditEvent.objects.get(action="interventions.upload.matched")
    assert upload_event.data["rows"] == 2 and upload_event.data["matched"] == 1
    assert upload_event.object_id == str(report.upload.pk)
    assert AuditEvent.objects.filter(action="interventions.intervention.added").count() == 1


# --- who may ------------------------------------------------------------------------------------


def test_an_agency_operator_uploads_only_to_its_own_agencys_programmes(gesek, registry, users,
                                                                       tmp_path):
    from tepat.verification.errors import RuleError

    users.opd.agency = "dinsos"
    users.opd.save()
    nik = _member(_family(registry, MALESANWETAN, "Sutrisno"), 1).nik
    path = _csv(tmp_path, f"{nik};;Sutrisno;;;01/05/2024;")
    before = _counts()
    with pytest.raises(RuleError, match="hanya boleh mengelola program"):
        _upload(gesek.programmes["RTLH"], path, users.opd)  # Perkim's
    with pytest.raises(RuleError, match="tidak boleh mengelola program"):
        _upload(gesek.programmes["PKH"], path, users.pimpinan)
    assert _counts() == before
    assert _upload(gesek.programmes["PKH"], path, users.opd).matched == 1  # Dinsos' own


def test_an_agency_operator_cannot_decide_another_agencys_rows(users, held):
    from tepat.interventions.matching import reject_row
    from tepat.verification.errors import RuleError

    users.opd.agency = "perkim"
    users.opd.save()
    with pytest.raises(RuleError, match="hanya boleh mengelola program"):
        reject_row(held, actor=users.opd, why="Bukan penerima")
    held.refresh_from_db()
    assert held.state == "open"


def test_a_windows_csv_with_commas_and_other_headers_is_read(gesek, registry, users, tmp_path):
    poniti = _family(registry, NGADISARI, "Poniti")
    path = tmp_path / "bpnt.csv"
    path.write_bytes("Rekap penyaluran BPNT\n\nNo KK Penerima,Nama Penerima,Tgl Salur,"
                     "Nilai Bantuan\n"
                     f"{poniti.no_kk},Ponití,20-05-2024,\"200,000\"\n".encode("cp1252"))

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    made = report.upload.interventions.get()
    assert (made.family_id, made.amount, made.delivered_on) == (poniti.pk, 200_000,
                                                                date(2024, 5, 20))


def test_a_file_named_after_a_kk_is_stored_and_reported_masked(gesek, registry, users,
                                                               tmp_path):
    from tepat.core.identity import mask
    from tepat.interventions.beneficiary_file import UploadRejected

    kk = _family(registry, NGADISARI, "Poniti").no_kk
    report = _upload(gesek.programmes["PKH"], _csv(tmp_path, f";{kk};Poniti;;;01/05/2024;",
                                                  name=f"{kk}.csv"), users.admin)
    assert report.upload.file_name == f"{mask(kk)}.csv"
    bad = _csv(tmp_path, f";{kk};Poniti;;;kemarin;", name=f"{kk}-b.csv")
    with pytest.raises(UploadRejected) as caught:
        _upload(gesek.programmes["PKH"], bad, users.admin)
    assert kk not in caught.value.file_problems[0].message_id


def test_a_registry_nik_or_kk_flagged_mangled_never_matches(gesek, registry, users, tmp_path):
    """Issue 17 §2: a NIK or KK whose digits were lost in Excel stays flagged in the registry
    and is never used to match anyone (here it equals the list's number by accident)."""
    from tepat.registry.models import Family, Person

    sutrisno = _family(registry, MALESANWETAN, "Sutrisno")
    siti = _family(registry, GUNUNGBEKEL, "Siti Aminah")
    wife = _member(sutrisno, 2)
    Person.objects.filter(pk=wife.pk).update(flags="NIK_NUMBER_MANGLED,NIK_STORED_AS_NUMBER")
    Family.objects.filter(pk=siti.pk).update(flags="KK_NUMBER_MANGLED")
    path = _csv(tmp_path, f"{wife.nik};;{wife.nama};;;01/05/2024;",
                f";{siti.no_kk};Siti Aminah;;;2024-05-02;2.500.000")

    report = _upload(gesek.programmes["PKH"], path, users.admin)

    assert (report.rows, report.matched, report.by_nik, report.by_kk) == (2, 0, 0, 0)


# --- the list's rows as person records of the linkage (issue 18 §1) ------------------------------


def test_every_row_of_a_list_becomes_a_linkage_record_of_its_person(gesek, registry, users,
                                                                    tmp_path):
    from tepat.linkage.lists import list_memberships
    from tepat.linkage.models import ClusterMember, ListRecord

    sutrisno = _family(registry, MALESANWETAN, "Sutrisno")
    wife = _member(sutrisno, 2)
    ClusterMember.objects.create(person=wife, source=wife.source, record_id="w", cluster=77,
                                 kecamatan_id="35.13.20", desa_id=MALESANWETAN)
    path = _csv(tmp_path, f"{wife.nik};;{wife.nama};;;01/05/2024;",
                "3513;;Zzyzx Qwerty;;;01/05/2024;")
    upload = _upload(gesek.programmes["PKH"], path, users.admin).upload

    rows = {r.record_id: r for r in ListRecord.objects.unscoped("test").filter(
        list_key=f"opd-{upload.pk}")}
    assert set(rows) == {"2", "3"}  # the file's row numbers, the header being row 1
    assert (rows["2"].person_id, rows["2"].family_id, rows["2"].by) == (wife.pk, sutrisno.pk,
                                                                        "nik")
    assert rows["2"].desa_id == MALESANWETAN and rows["3"].person_id is None
    exported = {r["record_id"]: r["cluster"] for r in list_memberships().to_dicts()}
    assert exported["2"] == 77  # the cluster of the person the row was linked to
    assert exported["3"] == -rows["3"].pk  # nobody yet: a cluster of its own


def test_a_waiting_row_decided_by_a_person_joins_that_persons_records(registry, users, held):
    from tepat.audit.models import AuditEvent
    from tepat.interventions.matching import confirm_row
    from tepat.linkage.models import ListRecord
    from tepat.registry.models import Family

    record = ListRecord.objects.unscoped("test").get(list_key=f"opd-{held.upload_id}")
    assert (record.person_id, record.by) == (None, "")
    family = Family.objects.get(pk=held.candidates[0]["family"])
    head = family.members.get(hubungan="1")

    confirm_row(held, family, actor=users.admin, person=head)

    record.refresh_from_db()
    assert (record.person_id, record.family_id, record.by) == (head.pk, family.pk, "manual")
    assert AuditEvent.objects.filter(action="linkage.list.row_linked").count() == 1
