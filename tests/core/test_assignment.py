"""Automatic assignment (pure core): hand-checkable cases on two desa and two officials, then
determinism and the rules on a random instance. Desa A and B are 0.1° of latitude apart
(11.12 km); an official's base is one of them."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from tepat.core.assignment import (
    CAPACITY,
    NO_CENTROID,
    NO_TEAM,
    FamilyRef,
    OfficialRef,
    assign,
)
from tepat.core.geo import centroid, desa_centroids, haversine_km

KEC, OTHER = "35.13.20", "35.13.01"
A, B = "35.13.20.2001", "35.13.20.2002"
CENTROIDS = {A: (-7.9, 113.2), B: (-8.0, 113.2)}
AB_KM = haversine_km(CENTROIDS[A], CENTROIDS[B])


def families(**per_desa: int) -> list[FamilyRef]:
    """families(A=3, B=2) with ids 1.. in order; keys are 'A'/'B'."""
    made, next_id = [], 1
    for name, count in per_desa.items():
        for _ in range(count):
            made.append(FamilyRef(next_id, KEC, {"A": A, "B": B}[name]))
            next_id += 1
    return made


def loads_of(result) -> dict[int, int]:
    return {pk: load.total for pk, load in result.loads.items()}


def test_two_desa_are_about_11_km_apart():
    assert abs(AB_KM - 11.12) < 0.01


def test_each_family_goes_to_the_nearest_official_when_quotas_allow():
    a, b = OfficialRef(1, "III", CENTROIDS[A]), OfficialRef(2, "III", CENTROIDS[B])
    result = assign(families(A=3, B=3), [a, b], {KEC: [1, 2]}, CENTROIDS)
    assert {f: p.official for f, p in result.placements.items()} == {
        1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2}
    assert result.total_distance_km == 0
    assert result.unassigned == []


def test_a_binding_quota_sends_the_rest_to_the_farther_official():
    a, b = OfficialRef(1, "II", CENTROIDS[A]), OfficialRef(2, "IV", CENTROIDS[B])
    result = assign(families(A=4), [a, b], {KEC: [1, 2]}, CENTROIDS,
                    quotas={"II": 2, "IV": 10}, balance_tolerance=10)
    assert loads_of(result) == {1: 2, 2: 2}
    assert result.total_distance_km == pytest.approx(2 * AB_KM)


def test_load_is_balanced_within_the_tolerance_even_when_one_official_is_nearer():
    a, b = OfficialRef(1, "III", CENTROIDS[A]), OfficialRef(2, "III", CENTROIDS[B])
    # fair share 5 each; ±10 % → between 4 (4.5 rounded down) and 6 (5.5 rounded up)
    assert loads_of(assign(families(A=10), [a, b], {KEC: [1, 2]}, CENTROIDS)) == {1: 6, 2: 4}
    exact = assign(families(A=10), [a, b], {KEC: [1, 2]}, CENTROIDS, balance_tolerance=0)
    assert loads_of(exact) == {1: 5, 2: 5}


def test_balance_follows_the_quota_of_each_eselon():
    coordinator, junior = OfficialRef(1, "II", CENTROIDS[B]), OfficialRef(2, "IV", CENTROIDS[B])
    # quotas 15 + 80 = 95 carry 19 families at a common ratio of 0.2: 3 and 16
    result = assign(families(A=19), [coordinator, junior], {KEC: [1, 2]}, CENTROIDS,
                    balance_tolerance=0)
    assert loads_of(result) == {1: 3, 2: 16}
    assert result.solves[0].fair_ratio == pytest.approx(0.2)


def test_families_of_a_kecamatan_without_team_are_reported_with_the_reason():
    a = OfficialRef(1, "III", CENTROIDS[A])
    lost = [FamilyRef(10, OTHER, "35.13.01.2001"), FamilyRef(11, OTHER, "35.13.01.2002")]
    result = assign(families(A=1) + lost, [a], {KEC: [1], OTHER: [99]}, CENTROIDS)
    assert result.assigned == 1
    assert {(u.family, u.reason) for u in result.unassigned} == {(10, NO_TEAM), (11, NO_TEAM)}
    assert result.unassigned_by_reason() == {NO_TEAM: 2, NO_CENTROID: 0, CAPACITY: 0}


def test_a_family_whose_desa_has_no_centroid_is_reported():
    a = OfficialRef(1, "III", CENTROIDS[A])
    result = assign(families(A=1) + [FamilyRef(9, KEC, "35.13.20.2999")], [a], {KEC: [1]},
                    CENTROIDS)
    assert [(u.family, u.reason) for u in result.unassigned] == [(9, NO_CENTROID)]


def test_a_team_short_of_capacity_takes_up_to_it_and_leaves_the_farthest():
    a, b = OfficialRef(1, "II", CENTROIDS[A]), OfficialRef(2, "III", CENTROIDS[A])
    result = assign(families(A=4, B=4), [a, b], {KEC: [1, 2]}, CENTROIDS,
                    quotas={"II": 2, "III": 3})
    assert result.assigned == 5 and loads_of(result) == {1: 2, 2: 3}
    assert [(u.desa, u.reason) for u in result.unassigned] == [(B, CAPACITY)] * 3
    assert result.total_distance_km == pytest.approx(AB_KM)


def test_families_already_carried_count_in_the_load_and_the_quota():
    a, b = OfficialRef(1, "III", CENTROIDS[A]), OfficialRef(2, "III", CENTROIDS[B])
    result = assign(families(A=6), [a, b], {KEC: [1, 2]}, CENTROIDS,
                    quotas={"III": 5}, carried={1: 4}, balance_tolerance=0)
    # 4 carried + 6 new = 10 on a quota of 5 + 5: a may take only 1 more
    assert {pk: (ld.carried, ld.auto) for pk, ld in result.loads.items()} == {
        1: (4, 1), 2: (0, 5)}


def test_an_official_in_two_teams_has_one_quota():
    a = OfficialRef(1, "III", CENTROIDS[A])
    other = [FamilyRef(20 + i, OTHER, A) for i in range(3)]  # centroid of A, kecamatan OTHER
    result = assign(families(A=3) + other, [a], {KEC: [1], OTHER: [1]}, CENTROIDS,
                    quotas={"III": 4})
    assert result.loads[1].total == 4
    assert result.unassigned_by_reason()[CAPACITY] == 2


def test_a_negative_quota_is_refused():
    with pytest.raises(ValueError):
        assign([], [], {}, CENTROIDS, quotas={"II": -1})


def _random_instance(seed: int):
    rng = random.Random(seed)
    centroids = desa_centroids()
    desa_by_kec: dict[str, list[str]] = {}
    for code in sorted(centroids):
        desa_by_kec.setdefault(code.rsplit(".", 1)[0], []).append(code)
    fams = [FamilyRef(i, kec, rng.choice(desa))
            for i, (kec, desa) in enumerate(
                [(k, d) for k, d in desa_by_kec.items()] * 40)]
    officials, teams, next_id = [], {}, 1
    for kec, desa in sorted(desa_by_kec.items()):
        teams[kec] = []
        for eselon in ["II"] + ["III"] * 2 + ["IV"] * rng.randint(2, 5):
            officials.append(OfficialRef(next_id, eselon, centroids[rng.choice(desa)]))
            teams[kec].append(next_id)
            next_id += 1
    return fams, officials, teams, centroids


def test_the_same_input_gives_the_same_assignment_whatever_the_order():
    fams, officials, teams, centroids = _random_instance(7)
    first = assign(fams, officials, teams, centroids)
    shuffled = fams[:]
    random.Random(1).shuffle(shuffled)
    again = assign(shuffled, list(reversed(officials)), teams, centroids)
    assert first.placements == again.placements
    assert first.unassigned == again.unassigned


def test_every_family_gets_one_official_of_its_own_kecamatan_within_quota():
    fams, officials, teams, centroids = _random_instance(3)
    result = assign(fams, officials, teams, centroids)
    team_of = {oid: kec for kec, members in teams.items() for oid in members}
    assert result.assigned + len(result.unassigned) == len(fams)
    assert result.unassigned == []  # 960 families, quotas far above
    assert all(team_of[result.placements[f.id].official] == f.kecamatan for f in fams)
    assert all(load.total <= load.quota for load in result.loads.values())
    # the LP optimum was integral everywhere (no MIP fallback was needed)
    assert {s.status for s in result.solves} == {"Optimal"}


def test_a_kecamatan_centroid_is_the_mean_of_its_desa():
    tegalsiwalan = [p for code, p in desa_centroids().items() if code.startswith(KEC + ".")]
    assert centroid(KEC) == pytest.approx(
        (sum(p[0] for p in tegalsiwalan) / len(tegalsiwalan),
         sum(p[1] for p in tegalsiwalan) / len(tegalsiwalan)))
    assert len(desa_centroids()) == 330 and centroid("35.99") is None


def test_assignment_and_geo_import_nothing_from_django():
    code = ("import sys, tepat.core.assignment, tepat.core.geo\n"
            "print(','.join(m for m in sys.modules if m.split('.')[0] == 'django'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == ""
