"""Every figure of the rakor pack against an independent count of the rows (plain ORM and
Python here, not tepat.verification.stats nor tepat.core.convergence), and against the public
dashboard's visible cells. The scene is described in tests/reports/conftest.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from tepat.core.measures import Units, rate_change

pytestmark = pytest.mark.django_db
TEGALSIWALAN, SUKAPURA = "35.13.20", "35.13.01"
REMOVED = {"MAMPU", "PINDAH", "MENINGGAL", "TIDAK_DITEMUKAN", "GANDA"}


def _pack(today):
    from tepat.reports.pack import rakor_pack

    return rakor_pack(today=today)


def _independent_campaign_counts():
    """keluarga and jiwa per kecamatan: in scope, verified (≥ SUBMITTED), removed, still."""
    from tepat.verification.models import Verification

    counts: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0]))
    for kecamatan, outcome, review, jiwa in Verification.objects.values_list(
            "kecamatan_id", "outcome", "review", "jiwa"):
        for key in ("in_scope", *(("verified",) if outcome and review in
                                  {"SUBMITTED", "APPROVED", "FINAL"} else ())):
            counts[kecamatan][key][0] += 1
            counts[kecamatan][key][1] += jiwa
        if outcome and review in {"SUBMITTED", "APPROVED", "FINAL"}:
            key = "removed" if outcome in REMOVED else "still_target"
            counts[kecamatan][key][0] += 1
            counts[kecamatan][key][1] += jiwa
    return counts


def test_kecamatan_rows_equal_an_independent_count_of_the_verifications(scene, today):
    pack = _pack(today)
    counts = _independent_campaign_counts()
    assert {r.code for r in pack.kecamatan} == set(counts) == {TEGALSIWALAN, SUKAPURA}
    for row in pack.kecamatan:
        c = counts[row.code]
        assert row.in_scope == Units(*c["in_scope"])
        assert row.verified == Units(*c["verified"])
        assert row.removed == Units(*c["removed"])
        assert row.still_target == Units(*c["still_target"])
        assert row.progress_pct_keluarga == pytest.approx(
            c["verified"][0] / c["in_scope"][0] * 100)
        assert row.reduction_pct_jiwa == pytest.approx(c["removed"][1] / c["in_scope"][1] * 100)


def test_the_summary_gives_the_regency_in_keluarga_and_jiwa_and_says_it_is_provisional(
        scene, today):
    s = _pack(today).summary.campaign
    # Sutrisno LAYAK (3), Misnati MENINGGAL (2), Poniti MAMPU (2) submitted; Siti (2) pending
    assert s.in_scope == Units(4, 9)
    assert s.verified == Units(3, 7)
    assert s.removed == Units(2, 4)
    assert s.still_target == Units(1, 3)
    assert s.reduction_pct_keluarga == pytest.approx(50.0)
    assert s.reduction_pct_jiwa == pytest.approx(4 / 9 * 100)
    assert s.provisional and s.status == "sementara"


def test_the_ranking_puts_the_highest_reduction_first_like_the_article(scene, today):
    pack = _pack(today)
    # Sukapura: 1 of 1 removed (100 %); Tegalsiwalan: 1 of 3 (33.33 %)
    assert [(r.rank, r.code) for r in pack.kecamatan] == [(1, SUKAPURA), (2, TEGALSIWALAN)]
    assert pack.kecamatan_total.removed == Units(2, 4)


def test_desa_behind_schedule_follow_the_linear_rule(scene, today):
    """1 April of a 1 March – 15 April campaign: 31 of 45 days, 68.89 % expected. Gunungbekel
    (Siti Aminah pending) has not started; Malesanwetan and Ngadisari are done."""
    pack = _pack(today)
    assert [(d.code, d.not_started) for d in pack.behind] == [("35.13.20.2002", True)]
    assert pack.behind[0].expected_pct == pytest.approx(31 / 45 * 100)
    assert pack.summary.behind_desa == 1
    assert pack.kecamatan[1].behind_desa == 1  # Tegalsiwalan


def test_gesek_team_rows_equal_an_independent_count(scene, today):
    from tepat.gesek.models import Assignment, Need, TeamMember, Visit
    from tepat.interventions.models import Intervention
    from tepat.verification.models import TargetListEntry

    pack = _pack(today)
    teams = {t.code: t for t in pack.teams}
    assert len(teams) == 24  # every kecamatan of the regency, with or without a team
    served_families = set(Intervention.objects.filter(status="delivered")
                          .values_list("family_id", flat=True))
    for code in (TEGALSIWALAN, SUKAPURA):
        entries = TargetListEntry.objects.filter(kecamatan_id=code)
        served = [e for e in entries if e.family_id in served_families]
        t = teams[code]
        assert t.team_size == TeamMember.objects.filter(kecamatan_id=code).count()
        assert t.assigned == Assignment.objects.filter(kecamatan_id=code).count()
        assert t.targets == Units(entries.count(), sum(e.jiwa for e in entries))
        assert t.visited.keluarga == Visit.objects.filter(kecamatan_id=code).values(
            "entry").distinct().count()
        assert t.served == Units(len(served), sum(e.jiwa for e in served))
        assert t.open_needs == Need.objects.filter(kecamatan_id=code).exclude(
            status="met").count()
    assert teams[TEGALSIWALAN].coordinator == "Drs. Hariyanto"
    assert teams[TEGALSIWALAN].team_size == 3
    assert teams[TEGALSIWALAN].served == Units(2, 5)  # Sutrisno, Misnati; not Siti Aminah
    assert teams["35.13.02"].team_size == 0 and teams["35.13.02"].targets == Units()


def test_coverage_and_double_aid_equal_an_independent_count(scene, today):
    from tepat.interventions.models import Intervention
    from tepat.verification.models import TargetListEntry

    coverage = _pack(today).summary.coverage
    entries = list(TargetListEntry.objects.filter(target_list=scene.target_list))
    aid = defaultdict(list)
    for family, kind, year, agency, funding in Intervention.objects.filter(
            status="delivered").values_list("family_id", "programme__kind", "programme__year",
                                            "programme__agency_id", "programme__funding"):
        aid[family].append((kind, year, agency, funding))

    def double(family):
        groups = defaultdict(set)
        for kind, year, agency, funding in aid.get(family, []):
            groups[(kind, year)].add((agency, funding))
        return any(len({a for a, _ in g}) > 1 or len({f for _, f in g}) > 1
                   for g in groups.values())

    served = [e for e in entries if aid.get(e.family_id)]
    doubles = [e for e in entries if double(e.family_id)]
    assert coverage.targets == Units(len(entries), sum(e.jiwa for e in entries))
    assert coverage.served == Units(len(served), sum(e.jiwa for e in served))
    assert coverage.no_intervention.keluarga == len(entries) - len(served) == 1
    assert coverage.double_aid == Units(len(doubles), sum(e.jiwa for e in doubles))
    assert [e.kepala_keluarga for e in doubles] == ["Misnati"]


def test_programme_targeting_counts_the_family_off_the_list_as_an_inclusion_error(
        scene, today):
    rows = {p.name: p for p in _pack(today).programmes}
    pkh = rows["PKH Kabupaten"]
    # Sutrisno, Misnati (on the list) and Abdul Rahman (off the list)
    assert pkh.beneficiaries.keluarga == 3 and pkh.off_list.keluarga == 1
    assert pkh.inclusion_error_pct == pytest.approx(100 / 3)
    # Siti Aminah needs PKH and got none of it: 1 of 1 needing
    assert pkh.needing.keluarga == 1 and pkh.exclusion_error_pct == pytest.approx(100.0)
    assert pkh.amount == 3 * 3_000_000
    assert pkh.funding == "APBN"


def test_headline_changes_are_labelled_in_pp_and_relative(scene, indicators, today):
    from tepat.indicators.models import Observation

    pack = _pack(today)
    extreme = next(h for h in pack.summary.headlines if "ekstrem" in h.label)
    rows = dict(Observation.objects.filter(
        region_code="35.13", indicator="extreme_poverty_percent",
        year__in=[extreme.previous_year, extreme.latest_year]).exclude(
        flags__contains="computed").values_list("year", "value"))
    old, new = float(rows[extreme.previous_year]), float(rows[extreme.latest_year])
    assert (old, new) == (3.18, 2.28)  # the article's figures
    assert rate_change(old, new).pp == pytest.approx(-0.90)
    assert extreme.change == "−0,90 poin persen (−28,3 % relatif)"
    assert any("Inpres" in g for g in extreme.gaps)
    assert {t.title for t in pack.indicators} >= {h.label for h in pack.summary.headlines}
    assert all(t.svg.startswith("<svg") for t in pack.indicators)


def test_the_pack_holds_no_personal_data(scene, registry, today):
    import dataclasses

    pack = _pack(today)
    text = repr(dataclasses.asdict(pack))
    for number in registry.numbers:
        assert number not in text
    for family in registry.all_families:
        assert family.kepala_keluarga not in text
        assert family.alamat not in text


@pytest.fixture
def crowd(more_families):
    """24 more P3KE families in Gunungbekel (6 of them desil 1: in the campaign), so that the
    public dashboard shows some cells instead of hiding counts below 5."""
    return more_families("35.13.20.2002", 24)


def test_the_pack_equals_the_public_dashboards_visible_cells(crowd, scene, users, today):
    from tepat.verification import services as v
    from tepat.verification.models import Verification
    from tepat.web.public_data import public_summary

    for row in Verification.objects.filter(desa_id="35.13.20.2002", review="")[:5]:
        v.save_verification(row.pk, v.Findings(outcome="PINDAH", destination="35.13.01"),
                            actor=users.admin, expected_version=row.version, submit=True)
    pack = _pack(today)
    public = public_summary()
    kecamatan = {r.code: r for r in pack.kecamatan}
    teams = {t.code: t for t in pack.teams}
    compared = 0
    for row in public.progress.rows:
        mine = pack.kecamatan_total if row.is_total else kecamatan[row.code]
        for key, value in row.cells.items():
            if key in row.hidden or value is None:
                continue
            base, unit = key.rsplit("_", 1)
            ours = getattr(mine, key, None)
            if ours is None and hasattr(mine, base):
                ours = getattr(getattr(mine, base), unit)
            if ours is None:
                continue
            assert ours == pytest.approx(value), (row.code, key)
            compared += 1
    for row in public.coverage.body:
        for key, value in row.cells.items():
            if key in row.hidden or value is None:
                continue
            t = teams[row.code]
            mine = {"targets_keluarga": t.targets.keluarga, "targets_jiwa": t.targets.jiwa,
                    "served_keluarga": t.served.keluarga, "served_jiwa": t.served.jiwa,
                    "not_served_keluarga": t.no_intervention.keluarga,
                    "coverage_pct_keluarga": t.served_pct_keluarga}.get(key)
            if mine is not None:
                assert mine == pytest.approx(value), (row.code, key)
                compared += 1
    assert compared >= 6  # the crowd makes the regency and Tegalsiwalan visible


def test_without_a_campaign_or_list_the_pack_says_what_is_missing(regions, today):
    pack = _pack(today)
    assert pack.kecamatan == () and pack.teams == ()
    assert any("kampanye" in n for n in pack.notes)
    assert any("daftar sasaran" in n.lower() for n in pack.notes)


def test_progress_is_reported_in_order(scene, today):
    from tepat.reports.pack import rakor_pack

    seen = []
    rakor_pack(today=today, progress=lambda f, m: seen.append(f))
    assert seen == sorted(seen) and seen[0] < 0.1 and seen[-1] >= 0.9
    assert date(2024, 4, 1) == today
