"""Issue 16 §3, DESIGN.md §10 "No oracle": every place that matches a user's input against the
registry answers an input that points outside the user's area exactly as one that points
nowhere (the same status and the same page, but for tokens that change on every request), or,
where the registry must say "already registered", says only that, whatever matched.

Next to tests/web/test_url_matrix.py, which walks the URLs with objects outside the area (404
like a missing one) and stored references that point outside it (never named). Here the input
is typed: a NIK, a KK, a family or verification id in a form. The ODK import's `duplikat` is in
tests/verification/test_odk.py, the services' refusals in tests/verification/test_rules.py.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

MALESANWETAN, GUNUNGBEKEL = "35.13.20.2001", "35.13.20.2002"
# What differs between two requests whatever they asked: the CSRF token, the CSP nonce, the
# random token a search is kept under in the session.
VOLATILE = [(re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1"),
            (re.compile(r'(nonce=")[^"]+'), r"\1"),
            (re.compile(r"(cari=)[\w-]+"), r"\1"),
            (re.compile(r'(name="cari" value=")[^"]+'), r"\1")]


def _same_page(first, second, echoed: tuple[str, str] = ("", "")) -> None:
    """`echoed`: the two texts where the page repeats what the user typed."""
    assert first.status_code == second.status_code

    def text(response, echo: str) -> str:
        body = response.content.decode()
        if echo:
            body = body.replace(echo, "<input>")
        for pattern, keep in VOLATILE:
            body = pattern.sub(keep, body)
        return body

    assert text(first, echoed[0]) == text(second, echoed[1])


def _family(registry, head):
    return next(f for f in registry.all_families if f.kepala_keluarga == head)


def _nowhere(number: str) -> str:
    """A number that exists nowhere but masks like `number` (3513********0001)."""
    return number[:4] + "99999999" + number[-4:]


def _search(client, url: str, term: str):
    return client.get(client.post(url, {"q": term})["Location"])


def test_the_family_search_answers_a_nik_outside_the_area_as_one_that_does_not_exist(
        client_for, registry):
    poniti = _family(registry, "Poniti")  # Kec. Sukapura
    client = client_for("operator_kecamatan")  # Tegalsiwalan
    outside = _search(client, reverse("families"), poniti.nik)
    _same_page(outside, _search(client, reverse("families"), _nowhere(poniti.nik)))
    assert "Poniti" not in outside.content.decode()


def test_the_worklist_search_answers_a_kk_of_another_desa_as_one_that_does_not_exist(
        client_for, campaign, registry):
    siti = _family(registry, "Siti Aminah")  # the sibling desa
    client = client_for("operator_desa")
    outside = _search(client, reverse("worklist"), siti.no_kk)
    _same_page(outside, _search(client, reverse("worklist"), _nowhere(siti.no_kk)))


def _family_form(v, **fields) -> dict:
    return {"version": v.version, "outcome": "GANDA", "reason": "", "note": "",
            "destination": "", "duplicate_of": "", "alamat_baru": "", "head": "",
            "latitude": "", "longitude": "", "action": "draft", **fields}


def test_the_duplicate_picker_refuses_a_family_outside_the_desa_as_one_that_does_not_exist(
        client_for, campaign, registry, verification_of):
    v = verification_of(_family(registry, "Sutrisno"))
    missing = max(f.pk for f in registry.all_families) + 1000
    client = client_for("operator_desa")
    url = reverse("verify_family", args=[v.pk])
    answers = [client.post(url, _family_form(v, duplicate_of=pk)) for pk in (
        _family(registry, "Siti Aminah").pk, _family(registry, "Poniti").pk, missing)]
    for other in answers[1:]:
        _same_page(answers[0], other)
    assert "Pilih keluarga dari daftar" in answers[0].content.decode()


def test_the_picker_never_names_a_stored_duplicate_outside_the_area(
        client_for, campaign, registry, verification_of):
    """A GANDA stored before this rule (or by the old ODK import) pointing to another desa."""
    from tepat.verification.models import Verification

    v = verification_of(_family(registry, "Sutrisno"))
    Verification.objects.filter(pk=v.pk).update(outcome="GANDA",
                                                duplicate_of=_family(registry, "Siti Aminah"))
    page = client_for("operator_desa").get(reverse("verify_family", args=[v.pk]))
    assert "Siti Aminah" not in page.content.decode()
    assert "Siti Aminah" in client_for("admin").get(
        reverse("verify_family", args=[v.pk])).content.decode()  # in the admin's area


def test_the_bulk_form_refuses_a_verification_of_another_desa_as_one_that_does_not_exist(
        client_for, campaign, registry, verification_of):
    from tepat.verification.models import Verification

    other = verification_of(_family(registry, "Siti Aminah"))
    missing = Verification.objects.order_by("-pk").first().pk + 1000
    client = client_for("operator_desa")

    def bulk(pk: int):
        return client.post(reverse("verify_bulk"), {"ids": [pk], "outcome": "LAYAK"})

    echo = "%s bukan salah satu dari pilihan"  # the form repeats the id the user posted
    _same_page(bulk(other.pk), bulk(missing), echoed=(echo % other.pk, echo % missing))
    assert Verification.objects.get(pk=other.pk).outcome == ""


def _proposal(**fields) -> dict:
    return {"kepala_keluarga": "Wagiman", "no_kk": "", "alamat": "Dusun Krajan", "note": "",
            "latitude": "", "longitude": "", "seen_duplicates": "", "action": "draft",
            "a0-nama": "Wagiman", "a0-nik": "", "a0-hubungan": "1", "a0-jenis_kelamin": "1",
            "a0-tanggal_lahir": "1970-01-01", **fields}


def _duplicate_section(client, fields: dict) -> str:
    page = client.get(client.post(reverse("verify_proposal_new"), _proposal(**fields))
                      ["Location"]).content.decode()
    return page.split('id="duplikat"')[1].split("</section>")[0]


def test_usulan_baru_gives_one_answer_whatever_matched_outside_the_area(client_for, campaign,
                                                                       registry):
    """A KK of the sibling desa, a member's NIK of another kecamatan: the same words, and
    nothing of where, who, which source or which decile."""
    from tepat.verification.models import CrossAreaDuplicate

    siti, poniti = _family(registry, "Siti Aminah"), _family(registry, "Poniti")
    client = client_for("operator_desa")
    by_kk = _duplicate_section(client, {"no_kk": siti.no_kk})
    head = poniti.members.get(hubungan="1")
    by_nik = _duplicate_section(client, {"a0-nik": head.nik, "a0-jenis_kelamin":
                                         head.jenis_kelamin, "a0-tanggal_lahir":
                                         f"{head.tanggal_lahir:%Y-%m-%d}"})
    assert by_kk == by_nik and "sudah terdaftar di registri di luar wilayah Anda" in by_kk
    cases = {c.family_id: c for c in CrossAreaDuplicate.objects.all()}
    assert (cases[siti.pk].area_id, cases[siti.pk].keys) == ("35.13.20", ["no_kk"])
    assert (cases[poniti.pk].area_id, cases[poniti.pk].keys) == ("35.13", ["nik"])


def test_usulan_baru_matching_outside_the_area_can_still_be_sent(client_for, campaign,
                                                                 registry):
    """The notice stands for the matches outside: confirming is enough to send."""
    from tepat.verification.models import Proposal

    client = client_for("operator_desa")
    fields = {"no_kk": _family(registry, "Poniti").no_kk}
    url = client.post(reverse("verify_proposal_new"), _proposal(**fields))["Location"]
    proposal = Proposal.objects.get()
    client.post(url, _proposal(action="submit", not_duplicate="on",
                               version=proposal.version, **fields))
    proposal.refresh_from_db()
    assert proposal.review == "SUBMITTED"


def test_the_case_reaches_only_the_queue_that_may_see_both_sides_and_is_decided_there(
        client_for, campaign, registry, users):
    from tepat.audit.models import AuditEvent
    from tepat.verification.models import CrossAreaDuplicate

    siti = _family(registry, "Siti Aminah")
    client_for("operator_desa").post(reverse("verify_proposal_new"),
                                     _proposal(no_kk=siti.no_kk))
    case = CrossAreaDuplicate.objects.get()
    kecamatan = client_for("operator_kecamatan")
    page = kecamatan.get(reverse("review")).content.decode()
    assert 'id="kasus-ganda"' in page and "Siti Aminah" in page and "Wagiman" in page
    elsewhere = client_for("operator_other_kecamatan")
    assert "Wagiman" not in elsewhere.get(reverse("review")).content.decode()
    url = reverse("review_duplicate_case", args=[case.pk])
    assert elsewhere.post(url, {"state": "different"}).status_code == 404
    response = kecamatan.post(url, {"state": "different", "note": "Beda orang, KK lama"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.resolved_by, case.note) == ("different", users.operator_kecamatan,
                                                         "Beda orang, KK lama")
    assert AuditEvent.objects.filter(action="verification.duplicate_case.resolved",
                                     object_id=str(case.pk)).count() == 1
    assert 'id="kasus-ganda"' not in kecamatan.get(reverse("review")).content.decode()


def test_a_case_is_withdrawn_when_the_usulan_no_longer_matches(client_for, campaign, registry):
    from tepat.verification.models import CrossAreaDuplicate, Proposal

    client = client_for("operator_desa")
    url = client.post(reverse("verify_proposal_new"),
                      _proposal(no_kk=_family(registry, "Poniti").no_kk))["Location"]
    proposal = Proposal.objects.get()
    client.post(url, _proposal(no_kk_hapus="on", version=proposal.version))
    assert CrossAreaDuplicate.objects.get().state == "withdrawn"


def test_the_registered_elsewhere_notice_is_in_english_too(client_for, campaign, registry):
    client = client_for("operator_desa")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    section = _duplicate_section(client, {"no_kk": _family(registry, "Poniti").no_kk})
    assert "already registered outside your area" in section
    assert "ask your operator kecamatan or admin kabupaten" in section


def test_a_sent_verification_never_names_a_stored_duplicate_outside_the_area(
        client_for, campaign, registry, verification_of):
    from tepat.verification.models import Verification

    v = verification_of(_family(registry, "Sutrisno"))
    Verification.objects.filter(pk=v.pk).update(
        outcome="GANDA", review="SUBMITTED", duplicate_of=_family(registry, "Poniti"))
    page = client_for("operator_desa").get(reverse("verify_family", args=[v.pk]))
    html = page.content.decode()
    assert "Data ganda dari" in html and "(di luar wilayah Anda)" in html
    assert "Poniti" not in html
