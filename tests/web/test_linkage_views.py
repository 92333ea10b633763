"""The linkage pages (issue 18 §1–2): who may open what, the pair page's masking, decisions with
optimistic locking, unmerge and remerge, the model page and its jobs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from linkage_scene import build_scene

from tepat.audit.models import AuditEvent
from tepat.linkage.models import ClusterMember, LinkModel, LinkPair, LinkRun

# Every linkage URL for every persona (the rest of the personas' rules: test_access.py MATRIX
# for link_home and link_queue, test_url_matrix.py for every method and object).
PERSONAS = ("admin", "operator_kecamatan", "operator_desa", "operator_other_kecamatan", "opd",
            "pejabat", "pimpinan")
PAGES = {  #          admin  kec  desa other  opd  pej  pim
    "link_home":      (200, 403, 403, 403, 403, 403, 200),
    "link_queue":     (200, 200, 403, 200, 403, 403, 403),
    "link_pair_T":    (200, 200, 403, 404, 403, 403, 403),
    "link_pair_K":    (200, 404, 403, 404, 403, 403, 403),
    "link_pair_S":    (200, 404, 403, 200, 403, 403, 403),
    "link_cluster_T": (200, 200, 403, 404, 403, 403, 403),
    "link_cluster_S": (200, 404, 403, 200, 403, 403, 403),
}


@pytest.fixture
def scene(registry):
    return build_scene(registry)


def url(page: str, scene) -> str:
    if page.startswith("link_pair_"):
        return reverse("link_pair", args=[scene.pair[page[-1]].pk])
    if page.startswith("link_cluster_"):
        return reverse("link_cluster", args=[scene.clusters[page[-1]]])
    return reverse(page)


def test_each_linkage_page_answers_each_role_by_the_rules(client_for, scene):
    wrong = []
    for persona in PERSONAS:
        client = client_for(persona)
        for page, expected in PAGES.items():
            status = client.get(url(page, scene)).status_code
            if status != expected[PERSONAS.index(persona)]:
                wrong.append(f"{persona} {page}: {status}")
    assert not wrong, "\n".join(wrong)


def test_only_the_admin_may_queue_a_job(client_for, scene):
    for persona in ("operator_kecamatan", "pimpinan"):
        response = client_for(persona).post(reverse("link_run_start"), {"kind": "train"})
        assert response.status_code == 403
    assert not LinkRun.objects.exists()


# --- the queue -----------------------------------------------------------------------------


def test_the_operator_kecamatan_sees_only_its_kecamatan_queue(client_for, scene):
    page = client_for("operator_kecamatan").get(reverse("link_queue")).context["page"]
    assert [p.pk for p in page.object_list] == [scene.pair["T"].pk]


def test_the_admin_sees_the_kabupaten_queue_and_may_choose_a_kecamatan(client_for, scene):
    client = client_for("admin")
    page = client.get(reverse("link_queue")).context["page"]
    assert [p.pk for p in page.object_list] == [scene.pair["K"].pk]
    page = client.get(reverse("link_queue"), {"kecamatan": SUKAPURA}).context["page"]
    assert [p.pk for p in page.object_list] == [scene.pair["S"].pk]


SUKAPURA = "35.13.01"


def test_a_kecamatan_chosen_by_a_kecamatan_operator_is_ignored(client_for, scene):
    response = client_for("operator_kecamatan").get(reverse("link_queue"),
                                                    {"kecamatan": SUKAPURA})
    assert [p.pk for p in response.context["page"].object_list] == [scene.pair["T"].pk]
    assert "Poniti" not in response.content.decode()


def test_the_queue_puts_the_likeliest_pair_first_and_counts_each_state(client_for, scene,
                                                                      registry):
    extra = _more_pairs(scene, registry, 3)
    LinkPair.objects.unscoped("test").filter(pk=extra[0].pk).update(state="rejected")
    response = client_for("operator_kecamatan").get(reverse("link_queue"))
    probabilities = [p.match_probability for p in response.context["page"].object_list]
    assert probabilities == sorted(probabilities, reverse=True) and len(probabilities) == 3
    assert dict((key, n) for key, _label, n in response.context["tabs"]) == {
        "open": 3, "accepted": 0, "rejected": 1}


def _more_pairs(scene, registry, n: int) -> list[LinkPair]:
    """n more pending pairs in Tegalsiwalan, between persons of Malesanwetan."""
    people = sorted((p for p in registry.persons if p.kecamatan_id == "35.13.20"),
                    key=lambda p: p.pk)
    taken = {(scene.pair["T"].left_id, scene.pair["T"].right_id)}
    made = []
    for a in people:
        for b in people:
            if len(made) == n:
                return made
            if a.pk < b.pk and (a.pk, b.pk) not in taken:
                made.append(LinkPair.objects.create(left=a, right=b, area_id="35.13.20",
                                                    match_probability=0.5 + len(made) / 100,
                                                    comparisons=[]))
                taken.add((a.pk, b.pk))
    return made


def test_the_queue_page_costs_the_same_queries_for_one_pair_or_many(client_for, scene,
                                                                   registry,
                                                                   django_assert_num_queries):
    client = client_for("operator_kecamatan")
    client.get(reverse("link_queue"))  # the session is loaded and cached once
    with django_assert_num_queries(6) as few:
        client.get(reverse("link_queue"))
    _more_pairs(scene, registry, 12)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("link_queue"))


# --- the pair page -------------------------------------------------------------------------


def test_the_pair_page_never_shows_a_full_nik_or_kk(client_for, scene, registry):
    for persona, key in (("operator_kecamatan", "T"), ("admin", "K"), ("admin", "T")):
        body = client_for(persona).get(url(f"link_pair_{key}", scene)).content.decode()
        assert not {n for n in registry.numbers if n in body}
        plain = re.sub(r"<[^>]+>", "", body)  # the marks split the digits: join them again
        assert not {n for n in registry.numbers if n in plain}


def test_the_pair_page_marks_where_the_two_niks_differ(client_for, scene):
    pair = scene.pair["T"]
    left, right = pair.left.nik, pair.right.nik
    body = client_for("operator_kecamatan").get(url("link_pair_T", scene)).content.decode()
    differing = [i for i in range(16) if left[i] != right[i]]
    assert differing  # two real NIKs of the registry
    assert body.count("<mark>") >= len(differing)


def test_the_pair_page_says_each_comparison_in_words(client_for, scene):
    body = client_for("operator_kecamatan").get(url("link_pair_T", scene)).content.decode()
    # contribution_words once it lands; the adapter's fallback until then
    assert "Jaro-Winkler 0,93" in body or "nama: jaro_winkler_high (+6.1)" in body
    assert body.count("<rect") == 7


def test_accepting_a_pair_merges_and_undo_splits_again(client_for, scene):
    pair = scene.pair["T"]
    client = client_for("operator_kecamatan")
    response = client.post(url("link_pair_T", scene), {"action": "accepted", "version": 1,
                                                       "note": "sama, beda ejaan"},
                           follow=True)
    assert response.status_code == 200
    members = ClusterMember.objects.unscoped("test")
    assert members.get(person=pair.left).cluster == members.get(person=pair.right).cluster
    assert "Batalkan keputusan" in response.content.decode()
    client.post(url("link_pair_T", scene), {"action": "reopen", "version": 2})
    assert members.get(person=pair.left).cluster != members.get(person=pair.right).cluster
    assert LinkPair.objects.unscoped("test").get(pk=pair.pk).state == "pending"
    assert set(AuditEvent.objects.filter(action__startswith="linkage.pair").values_list(
        "action", flat=True)) == {"linkage.pair.accepted", "linkage.pair.reopened"}


def test_a_stale_version_shows_the_refusal_not_an_error(client_for, scene):
    client = client_for("operator_kecamatan")
    client.post(url("link_pair_T", scene), {"action": "unsure", "version": 1})
    response = client.post(url("link_pair_T", scene), {"action": "rejected", "version": 1},
                           follow=True)
    assert response.status_code == 200
    assert "baru saja diputuskan orang lain" in response.content.decode()
    assert LinkPair.objects.unscoped("test").get(pk=scene.pair["T"].pk).state == "unsure"


def test_the_admin_reads_a_kecamatan_pair_but_does_not_decide_it(client_for, scene):
    client = client_for("admin")
    assert "Orang yang sama</button>" not in client.get(url("link_pair_T", scene)).content.decode()
    client.post(url("link_pair_T", scene), {"action": "accepted", "version": 1})
    assert LinkPair.objects.unscoped("test").get(pk=scene.pair["T"].pk).state == "pending"
    client.post(url("link_pair_K", scene), {"action": "rejected", "version": 1})
    assert LinkPair.objects.unscoped("test").get(pk=scene.pair["K"].pk).state == "rejected"


def test_a_kecamatan_cannot_decide_another_kecamatans_pair(client_for, scene):
    response = client_for("operator_kecamatan").post(url("link_pair_S", scene),
                                                     {"action": "accepted", "version": 1})
    assert response.status_code == 404
    assert LinkPair.objects.unscoped("test").get(pk=scene.pair["S"].pk).state == "pending"


# --- the cluster page ------------------------------------------------------------------------


def test_a_cluster_shows_its_records_in_the_area_and_counts_the_others(client_for, scene):
    client = client_for("admin")
    client.post(url("link_pair_K", scene), {"action": "accepted", "version": 1})
    pair = scene.pair["K"]
    cluster = ClusterMember.objects.unscoped("test").get(person=pair.left).cluster
    response = client_for("operator_kecamatan").get(reverse("link_cluster", args=[cluster]))
    body = response.content.decode()
    assert "Sutrisno" in body and "Poniti" not in body
    assert "1 rekaman di luar wilayah Anda" in body


def test_unmerge_takes_a_record_out_and_remerge_puts_it_back(client_for, scene):
    pair = scene.pair["T"]
    client = client_for("operator_kecamatan")
    client.post(url("link_pair_T", scene), {"action": "accepted", "version": 1})
    members = ClusterMember.objects.unscoped("test")
    together = members.get(person=pair.left).cluster
    page = reverse("link_cluster", args=[together])
    client.post(page, {"action": "unmerge", "person": pair.right_id})
    assert members.get(person=pair.right).cluster != together
    assert "Gabungkan kembali" in client.get(page).content.decode()
    client.post(page, {"action": "remerge", "person": pair.right_id})
    assert members.get(person=pair.right).cluster == together


def test_a_record_of_another_cluster_cannot_be_unmerged_from_this_one(client_for, scene):
    client = client_for("operator_kecamatan")
    page = reverse("link_cluster", args=[scene.clusters["T"]])
    response = client.post(page, {"action": "unmerge", "person": scene.pair["T"].right_id},
                           follow=True)
    assert "Pilih rekaman dari daftar klaster ini." in response.content.decode()
    assert not ClusterMember.objects.unscoped("test").filter(alone=True).exists()


# --- the model and its runs ----------------------------------------------------------------


def test_the_model_page_charts_the_default_model_before_any_training(client_for, scene):
    response = client_for("pimpinan").get(reverse("link_home"))
    body = response.content.decode()
    assert "model bawaan" in body
    assert body.count("<rect") == len(response.context["chart"]) > 10
    assert "Latih model</button>" not in body  # leadership reads only


def test_the_admin_queues_a_training_job_once(client_for, scene):
    client = client_for("admin")
    client.post(reverse("link_run_start"), {"kind": "train"})
    assert LinkRun.objects.get().kind == "train"
    response = client.post(reverse("link_run_start"), {"kind": "train"}, follow=True)
    assert LinkRun.objects.count() == 1
    assert "Masih ada proses yang berjalan" in response.content.decode()
    assert '<meta http-equiv="refresh"' in response.content.decode()


def test_a_linking_job_needs_a_trained_model(client_for, scene):
    client_for("admin").post(reverse("link_run_start"), {"kind": "full"})
    assert not LinkRun.objects.exists()
    assert not LinkModel.objects.exists()


def test_the_runs_show_their_figures_and_timings(client_for, scene):
    from datetime import timedelta

    from django.utils import timezone

    started = timezone.now()
    LinkRun.objects.create(kind="full", status="done", progress=100, records=12, pairs=30,
                           auto_links=4, review_pairs=3, clusters=9, started_at=started,
                           finished_at=started + timedelta(seconds=42),
                           timings={"predict": 12.5})
    body = client_for("admin").get(reverse("link_home")).content.decode()
    assert "42,0 s seluruhnya" in body and "predict 12,5 s" in body
    assert '<meta http-equiv="refresh"' not in body  # nothing running


def test_a_cluster_lists_the_agency_list_rows_of_its_records_in_the_area(client_for, scene):
    from tepat.linkage.lists import ListRow, record_list
    from tepat.registry.scoping import unscoped_access

    inside, other = scene.pair["T"].left, scene.pair["S"].left
    from django.db import transaction

    with transaction.atomic(), unscoped_access("test"):
        record_list("opd-9", "PKH · penerima.xlsx", [
            ListRow("4", inside.pk, inside.family_id, "nik", None, inside.desa_id),
            ListRow("5", other.pk, other.family_id, "model", 0.999, other.desa_id)], actor=None)
    page = reverse("link_cluster", args=[scene.clusters["T"]])
    body = client_for("operator_kecamatan").get(page).content.decode()
    assert "PKH · penerima.xlsx" in body and ">4<" in body and ">5<" not in body
