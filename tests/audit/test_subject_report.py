"""The data subject report (issue 6 §2, UU 27/2022 right of access): for one NIK, everything
Tepat holds and every processing event, as a PDF only the admin kabupaten may produce.

The story: Sutrisno's family (Malesanwetan) is verified by the desa, approved by the kecamatan,
has its numbers revealed once, is put on the target list, gets a pendamping, a visit, a need and
an intervention. The PDF is read back with `pdftotext`.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

WHY = {"jenis_tujuan": "permintaan_warga"}  # the purpose from the list (issue 16 §6)

MALESANWETAN = "35.13.20.2001"
SUBJECT_URL = "/data-subjek/"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]


def pdf_text(content: bytes, folder) -> str:
    assert content.startswith(b"%PDF")
    pdf = folder / "subjek.pdf"
    pdf.write_bytes(content)
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def flat(text: str) -> str:
    """The text with line breaks and runs of spaces made single spaces (table cells wrap)."""
    return " ".join(text.split())


@pytest.fixture
def client_for(users):
    """A logged-in test client for a persona (as tests/web/conftest.py, not visible here)."""
    from django.test import Client

    def make(persona: str) -> Client:
        client = Client()
        client.force_login(getattr(users, persona))
        return client

    return make


@pytest.fixture
def story(registry, users, campaign, verification_of, gesek):
    """Sutrisno's family through every stage; returns the family, its persons and the admin."""
    from tepat.audit.services import log_access
    from tepat.gesek import services as gesek_services
    from tepat.interventions.services import add_intervention
    from tepat.verification import services as s

    family = registry.families[MALESANWETAN][0]
    persons = [p for p in registry.persons if p.family_id == family.pk]
    v = verification_of(family)
    s.save_verification(v.pk, s.Findings(outcome="LAYAK", note="Rumah dinding bambu"),
                        actor=users.operator_desa, expected_version=0, submit=True)
    s.review(campaign, [v.pk], actor=users.operator_kecamatan, approve=True)
    from django.db import transaction

    with transaction.atomic():
        log_access(actor=users.operator_desa, action="reveal", obj=family,
                   purpose="Cek KTP saat kunjungan")
    entry = gesek.target_list.entries.get(family=family)
    gesek_services.reassign(entry, gesek.member, actor=users.admin, why="dekat kantor")
    gesek_services.record_visit(entry, actor=users.pejabat, visited_on=date(2024, 5, 2),
                                notes="Atap bocor di dapur")
    gesek_services.record_need(entry, "RTLH", actor=users.pejabat, note="Atap bocor")
    add_intervention(gesek.programmes["PKH"], family, actor=users.admin,
                     delivered_on=date(2024, 8, 1), person=persons[0])
    return SimpleNamespace(family=family, head=persons[0], members=persons[1:],
                           verification=v, entry=entry)


def test_the_report_holds_the_persons_data_the_verification_and_the_family_events(
        story, users, registry, tmp_path):
    from tepat.audit.subject_report import subject_report

    head = story.head
    text = pdf_text(subject_report(users.admin, head.nik, "Surat permohonan 12/2024"), tmp_path)
    one_line = flat(text)
    assert "Laporan subjek data" in text and "UU 27/2022" in one_line
    assert head.nama in text and head.nik in text
    assert story.family.no_kk in text
    assert story.family.alamat in one_line and "Malesanwetan" in text
    assert "P3KE" in text  # the source, with its import
    assert "Masih layak (tetap sasaran)" in one_line and "Rumah dinding bambu" in one_line
    assert "Disetujui" in text
    # every processing event of the family's rows, with who did it
    for action in ("verification.submitted", "verification.approved", "gesek.assignment.changed",
                   "gesek.visit.recorded", "gesek.need.recorded",
                   "interventions.intervention.added"):
        assert action in one_line, action
    assert "operator.desa" in text and "operator.kecamatan" in text and "pejabat" in text
    assert "NIK/KK dibuka" in one_line and "Cek KTP saat kunjungan" in one_line
    assert "Laporan subjek data dibuat" in one_line and "Surat permohonan 12/2024" in one_line
    assert "Daftar sasaran 2024" in text and "Lilik Suryani" in text  # target list, pendamping
    assert "Atap bocor di dapur" in one_line and "PKH Kabupaten" in one_line


def test_the_events_are_in_time_order(story, users):
    from tepat.audit.subject_report import gather

    events = gather(story.head.nik, viewer=users.admin).events
    assert events and [e.at for e in events] == sorted(e.at for e in events)
    direct = [e.action for e in events if e.direct]
    assert direct.index("verification.submitted") < direct.index("verification.approved") \
        < direct.index("gesek.visit.recorded") < direct.index("interventions.intervention.added")


def test_other_members_niks_are_masked_and_the_subjects_own_is_whole(story, users, registry,
                                                                     tmp_path):
    from tepat.audit.subject_report import subject_report
    from tepat.core.identity import mask

    subject = story.members[0]  # a member, not the head: the head's NIK must be masked too
    text = pdf_text(subject_report(users.admin, subject.nik, "Permohonan anggota"), tmp_path)
    assert subject.nik in text and subject.nama in text
    for other in [story.head, *story.members[1:]]:
        assert other.nama in text  # listed by name
        assert other.nik not in text, other.nama
        assert mask(other.nik) in text
    # nothing of the other families of the registry
    others = {p.nik for p in registry.persons if p.family_id != story.family.pk}
    others |= {f.no_kk for f in registry.all_families if f.pk != story.family.pk}
    assert not [n for n in others if n in text]


def test_each_person_found_gets_an_access_event_with_the_purpose(story, users, registry):
    from tepat.audit.models import AccessEvent, AuditEvent
    from tepat.audit.subject_report import subject_report
    from tepat.registry.models import Person

    # The same NIK in a second source (DTSEN): both records are reported and logged.
    twin = Person.objects.get(pk=story.head.pk)
    twin.pk, twin.source, twin.source_person_id = None, "dtsen", "DTSEN-TWIN-1"
    twin.batch, twin.family = registry.dtsen_batch, registry.families[MALESANWETAN][-1]
    twin.save()
    audit_before = AuditEvent.objects.count()
    subject_report(users.admin, story.head.nik, "  Permintaan tertulis subjek  ")
    events = AccessEvent.objects.filter(action="subject_report")
    assert {(e.object_type, e.object_id, e.purpose, e.actor_id) for e in events} == {
        ("registry.person", str(story.head.pk), "Permintaan tertulis subjek", users.admin.pk),
        ("registry.person", str(twin.pk), "Permintaan tertulis subjek", users.admin.pk),
    }
    assert AuditEvent.objects.count() == audit_before  # a read: no audit event
    assert not [e for e in AccessEvent.objects.all() if story.head.nik in e.object_id]


def test_the_report_names_both_sources_when_the_nik_is_in_two(story, users, registry):
    from tepat.audit.subject_report import gather
    from tepat.registry.models import Person

    twin = Person.objects.get(pk=story.head.pk)
    twin.pk, twin.source, twin.source_person_id = None, "dtsen", "DTSEN-TWIN-1"
    twin.batch, twin.family = registry.dtsen_batch, registry.families[MALESANWETAN][-1]
    twin.save()
    data = gather(story.head.nik, viewer=users.admin)
    assert {p.source for p in data.persons} == {"P3KE", "DTSEN"}
    assert {f.kepala_keluarga for f in data.families} == {"Sutrisno", "Mukarromah"}
    assert any("DTSEN" in s for s in data.sources) and any("P3KE" in s for s in data.sources)


def test_a_person_known_only_from_a_new_family_proposal_is_reported(campaign, users, tmp_path):
    """An usulan baru keeps its members (with NIK) as JSON: found on SQLite and PostgreSQL."""
    from tepat.audit.subject_report import gather, subject_report
    from tepat.core.identity import make_nik, mask
    from tepat.verification import services as s

    nik = make_nik("351320", date(1970, 1, 1), "1", 4321)
    wife = make_nik("351320", date(1972, 2, 2), "2", 4322)
    s.propose_family(campaign, MALESANWETAN, s.NewFamily(
        kepala_keluarga="Wagiman", alamat="Dusun Krajan RT 05", members=[
            {"nama": "Wagiman", "nik": nik, "hubungan": "1", "jenis_kelamin": "1",
             "tanggal_lahir": "1970-01-01"},
            {"nama": "Sumiati", "nik": wife, "hubungan": "2", "jenis_kelamin": "2",
             "tanggal_lahir": "1972-02-02"}]),
        actor=users.operator_desa, submit=True)
    data = gather(nik, viewer=users.admin)
    assert data.found and len(data.proposals) == 1 and "Wagiman" in data.proposals[0].what
    assert [e.action for e in data.events if e.direct] == ["verification.proposal.submitted"]
    text = pdf_text(subject_report(users.admin, nik, "Permohonan warga"), tmp_path)
    assert "Wagiman" in text and "Tidak ada data tentang NIK ini" not in flat(text)
    assert wife not in text and mask(wife) in text and "Sumiati" in text
    assert nik in text and "1970-01-01" in text
    assert not gather(mask(nik).replace("*", "0"), viewer=users.admin).found


def test_an_unknown_nik_gives_a_pdf_saying_nothing_is_held_and_is_logged(registry, users,
                                                                          tmp_path):
    from tepat.audit.models import AccessEvent
    from tepat.audit.subject_report import subject_report
    from tepat.core.identity import make_nik, mask

    nik = make_nik("351320", date(1990, 1, 1), "1", 9999)
    text = flat(pdf_text(subject_report(users.admin, nik, "Permohonan warga"), tmp_path))
    assert "Tidak ada data tentang NIK ini yang tersimpan di Tepat" in text
    assert nik in text  # the NIK the report is about
    event = AccessEvent.objects.get(action="subject_report")
    assert (event.object_type, event.object_id, event.purpose) == (
        "registry.nik", mask(nik), "Permohonan warga")


@pytest.mark.parametrize("persona", ["operator_kecamatan", "operator_desa", "opd", "pejabat",
                                     "pimpinan", "no_area"])
def test_no_other_role_may_produce_the_report(registry, users, persona):
    from django.core.exceptions import PermissionDenied

    from tepat.audit.models import AccessEvent
    from tepat.audit.subject_report import subject_report

    with pytest.raises(PermissionDenied):
        subject_report(getattr(users, persona), registry.persons[0].nik, "Coba")
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize(("raw", "expected"), [
    ("351320010175000", "NIK harus 16 angka (tertulis 15 angka)"),
    ("3513200101750001X", "NIK hanya boleh berisi angka"),
    ("3.51320E+15", "tersimpan sebagai angka di Excel"),
    ("", "NIK kosong"),
])
def test_a_bad_nik_is_refused_with_a_message_in_both_languages(users, raw, expected):
    from tepat.audit.subject_report import SubjectReportError, subject_report

    with pytest.raises(SubjectReportError) as caught:
        subject_report(users.admin, raw, "Permohonan warga")
    assert expected in caught.value.message and " / The NIK" in caught.value.message


def test_the_purpose_is_required(users, registry):
    from tepat.audit.models import AccessEvent
    from tepat.audit.subject_report import SubjectReportError, subject_report

    with pytest.raises(SubjectReportError, match="Tujuan wajib diisi"):
        subject_report(users.admin, registry.persons[0].nik, "   ")
    assert not AccessEvent.objects.exists()


# --- the page ------------------------------------------------------------------------------


def test_subject_report_url_has_no_parameter(registry):
    assert reverse("subject_report") == SUBJECT_URL


def test_the_admin_gets_the_pdf_as_an_attachment_with_no_nik_in_any_url(
        story, client_for, tmp_path):
    client = client_for("admin")
    page = client.get(SUBJECT_URL)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert 'method="post"' in html and f'action="{SUBJECT_URL}"' in html
    nik = story.head.nik
    response = client.post(SUBJECT_URL, {"nik": nik, **WHY, "tujuan": "Surat permohonan 12/2024"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="laporan-subjek-data-')
    assert nik not in disposition and nik[-4:] + ".pdf" not in disposition
    assert nik not in response.get("Location", "")
    assert story.head.nama in pdf_text(response.content, tmp_path)
    # a NIK put in the query string by hand is neither used nor echoed: back to the bare URL
    echoed = client.get(SUBJECT_URL, {"nik": nik})
    assert (echoed.status_code, echoed["Location"]) == (302, SUBJECT_URL)


def test_a_bad_nik_on_the_form_shows_the_message_and_writes_nothing(registry, client_for):
    from tepat.audit.models import AccessEvent

    response = client_for("admin").post(SUBJECT_URL, {"nik": "35132001017500",
                                                      **WHY, "tujuan": "Permohonan warga"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "NIK harus 16 angka (tertulis 14 angka)" in html
    assert "The NIK must have 16 digits" in html
    assert not AccessEvent.objects.exists()


def test_an_unknown_nik_on_the_form_gives_the_nothing_held_pdf(registry, client_for, tmp_path):
    from tepat.core.identity import make_nik

    nik = make_nik("351320", date(1990, 1, 1), "1", 9999)
    response = client_for("admin").post(SUBJECT_URL, {"nik": nik, **WHY,
                                                      "tujuan": "Permohonan warga"})
    assert response["Content-Type"] == "application/pdf"
    assert "tidak ada data" in flat(pdf_text(response.content, tmp_path)).lower()


@pytest.mark.parametrize("persona", ["operator_kecamatan", "operator_desa",
                                     "operator_desa_sibling", "operator_other_kecamatan", "opd",
                                     "pejabat", "pimpinan", "no_area"])
def test_subject_report_is_403_for_every_other_role(registry, client_for, persona):
    from tepat.audit.models import AccessEvent

    client = client_for(persona)
    assert client.get(SUBJECT_URL).status_code == 403
    response = client.post(SUBJECT_URL, {"nik": registry.persons[0].nik, **WHY,
                                         "tujuan": "Coba saja dulu"})
    assert response.status_code == 403
    assert not AccessEvent.objects.exists()


def test_subject_report_sends_anonymous_visitors_to_the_login_page(registry):
    from django.test import Client

    for response in (Client().get(SUBJECT_URL),
                     Client().post(SUBJECT_URL, {"nik": registry.persons[0].nik,
                                                 **WHY, "tujuan": "Coba saja dulu"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
        assert registry.persons[0].nik not in response["Location"]


def test_subject_report_asks_for_the_password_again_after_ten_minutes(registry, client_for):
    from tepat.accounts.sessions import AUTH_AT

    client = client_for("admin")
    session = client.session
    session[AUTH_AT] -= settings.SESSION_REAUTH_SECONDS + 1
    session.save()
    response = client.post(SUBJECT_URL, {"nik": registry.persons[0].nik,
                                         **WHY, "tujuan": "Permohonan warga"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("reauth"))
    assert registry.persons[0].nik not in response["Location"]
