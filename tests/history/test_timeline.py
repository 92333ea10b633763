"""A family's timeline assembled from the database (tepat.history.timeline)."""

from __future__ import annotations

import pytest

from history_helpers import sutrisno_history
from tepat.history.timeline import compare_points, family_timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(registry, users, gesek, campaign):
    return sutrisno_history(registry, users, gesek, campaign)


def test_the_timeline_holds_every_kind_of_event_oldest_first(story, users):
    timeline = family_timeline(users.admin, story.family)
    kinds = [e.kind for e in timeline.events]
    assert kinds.count("edition") == 3
    for kind in ("verification", "target_list", "assignment", "visit", "intervention"):
        assert kind in kinds, kind
    days = [e.day for e in timeline.events]
    assert days == sorted(days)


def test_each_edition_says_what_it_changed(story, users):
    editions = [e for e in family_timeline(users.admin, story.family).events
                if e.kind == "edition"]
    assert "Desil: 1" in editions[0].lines and "Anggota: 3 jiwa" in editions[0].lines
    assert editions[1].change_lines == editions[1].lines == []  # as the edition before
    lines = editions[2].change_lines
    assert "Desil: 1 → 2" in lines
    assert "Anggota masuk: Rahmat Hidayat" in lines
    assert f"Anggota keluar: {story.removed.nama}" in lines
    assert "Catatan data baru: NIK_NUMERIC" in lines
    assert not any(story.new_nik in line for line in lines)  # the head's NIK is masked


def test_two_points_compare_fields_members_and_flags(story, users):
    timeline = family_timeline(users.admin, story.family)
    first, _same, last = timeline.points
    diff = compare_points(timeline, first, last)
    assert ("desil", "1", "2") in diff.fields
    assert diff.members_added == ["Rahmat Hidayat"]
    assert diff.members_removed == [story.removed.nama]
    assert diff.flags_raised == ["NIK_NUMERIC"]
    assert compare_points(timeline, first, _same).empty


def test_a_family_absent_from_the_latest_edition_says_so(story, users):
    story.family.absent_since = story.batches[2]
    timeline = family_timeline(users.admin, story.family)
    assert [e.kind for e in timeline.events].count("absent") == 1


def test_visits_are_shown_to_the_admin_and_the_pendamping_only(story, users):
    def kinds(user):
        return [e.kind for e in family_timeline(user, story.family).events]

    assert "visit" in kinds(users.admin)
    assert "visit" in kinds(users.pejabat)  # the family's own pendamping (gesek.member)
    assert "visit" not in kinds(users.operator_desa)
    assert "assignment" in kinds(users.operator_desa)


def test_the_timeline_takes_a_handful_of_queries(story, users, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        family_timeline(users.admin, story.family)


def test_a_family_without_editions_has_an_empty_set_of_points(registry, users):
    family = registry.families["35.13.01.2001"][0]
    timeline = family_timeline(users.admin, family)
    assert timeline.points == [] and timeline.member_names == {}
