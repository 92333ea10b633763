"""`tepat plan` and plan_from_db (issue 4 §5) on the `gesek` fixture: four target families with
needs recorded by their pendamping official, three programmes of 2024 (PKH 3M, RTLH 20M,
PBI-JK 504k; capacities, no budgets)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db

NEEDS = {"Sutrisno": ["PKH", "RTLH"], "Misnati": ["PKH"], "Siti Aminah": ["RTLH"],
         "Poniti": ["PBI_JK"]}


@pytest.fixture
def needs(gesek, users):
    """The needs of NEEDS, recorded by the families' own officials; the entries by name."""
    from tepat.gesek.services import reassign, record_need

    entries = {e.kepala_keluarga: e for e in gesek.target_list.entries.all()}
    for name in ("Sutrisno", "Misnati", "Siti Aminah"):
        reassign(entries[name], gesek.member, actor=users.admin)
    reassign(entries["Poniti"], gesek.sukapura, actor=users.admin)  # Sukapura: no login
    for name, kinds in NEEDS.items():
        actor = users.admin if name == "Poniti" else users.pejabat
        for kind in kinds:
            record_need(entries[name], kind, actor=actor)
    return entries


def plan_json(*args: str) -> dict:
    out = StringIO()
    call_command("plan", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def set_budget(gesek, users, kind: str, budget: int) -> None:
    from tepat.interventions.services import ProgrammeData, save_programme

    p = gesek.programmes[kind]
    save_programme(ProgrammeData(p.name, p.agency, p.kind, p.funding, p.unit_cost, p.year,
                                 capacity=p.capacity, budget=Decimal(budget)),
                   actor=users.admin, programme=p)


def test_with_room_for_everyone_the_plan_serves_every_family_with_needs(needs):
    data = plan_json()

    assert (data["families_on_list"], data["families_with_needs"], data["needs_open"]) == (
        4, 4, 5)
    best = data["optimal"]
    assert (best["families_served"], best["needs_closed"]) == (4, 5)
    assert best["cost"] == 2 * 3_000_000 + 2 * 20_000_000 + 504_000
    assert (best["lp_bound"], best["gap"], best["status"]) == (4, 0, "Optimal")
    assert best["solve_seconds"] >= 0 and data["year"] == 2024
    assert data["greedy"]["families_served"] == 4
    assert data["minimum_budget"]["total"] == 2 * 3_000_000 + 2 * 20_000_000 + 504_000
    kecamatan = {k["kecamatan"]: (k["name"], k["families"], k["served"])
                 for k in data["kecamatan"]}
    assert kecamatan == {"35.13.20": ("Tegalsiwalan", 3, 3), "35.13.01": ("Sukapura", 1, 1)}


def test_a_tight_budget_goes_where_it_serves_one_more_family(needs, gesek, users):
    from tepat.interventions.planning import plan_from_db

    set_budget(gesek, users, "RTLH", 20_000_000)  # one house repair

    report = plan_from_db()

    assert (report.optimal.families_served, report.optimal.needs_closed) == (4, 4)
    rtlh = gesek.programmes["RTLH"].pk
    assert [a["entry"] for a in report.assignments() if a["programme"] == rtlh] == [
        needs["Siti Aminah"].pk]  # Sutrisno is served by PKH already
    row = next(r for r in report.as_dict()["programmes"] if r["id"] == rtlh)
    assert (row["families"], row["cost"], row["budget_used"]) == (1, 20_000_000, 20_000_000)
    assert row["minimum_families"] == 2 and row["shortfall"] == 20_000_000


def test_what_the_years_interventions_took_is_not_planned_twice(needs, gesek, users, registry):
    from tepat.interventions.planning import plan_from_db
    from tepat.interventions.services import add_intervention

    set_budget(gesek, users, "RTLH", 40_000_000)
    not_on_list = next(f for f in registry.all_families if f.kepala_keluarga == "Abdul Rahman")
    add_intervention(gesek.programmes["RTLH"], not_on_list, actor=users.admin,
                     delivered_on=date(2024, 6, 1))

    data = plan_from_db().as_dict()

    row = next(r for r in data["programmes"] if r["kind"] == "RTLH")
    assert (row["committed_families"], row["committed_amount"]) == (1, 20_000_000)
    assert (row["families"], row["budget_used"]) == (1, 40_000_000)


def test_met_needs_are_not_planned(needs, gesek, users):
    from tepat.interventions.services import add_intervention

    add_intervention(gesek.programmes["PKH"], needs["Misnati"].family, actor=users.admin,
                     delivered_on=date(2024, 6, 1))

    data = plan_json("--objective", "needs")

    assert (data["families_with_needs"], data["needs_open"]) == (3, 4)
    assert data["objective"] == "needs" and data["optimal"]["needs_closed"] == 4


def test_planning_writes_nothing(needs):
    from tepat.audit.models import AuditEvent
    from tepat.gesek.models import Need

    before = (AuditEvent.objects.count(), sorted(Need.objects.values_list("pk", "status")))
    plan_json()
    assert (AuditEvent.objects.count(),
            sorted(Need.objects.values_list("pk", "status"))) == before


def test_the_table_names_the_figures_and_no_nik_or_kk(needs, registry):
    out = StringIO()
    call_command("plan", "--format", "table", stdout=out)
    text = out.getvalue()

    for figure in ("families_served", "needs_closed", "cost", "lp_bound", "gap",
                   "solve_seconds", "Anggaran minimum", "Bedah Rumah", "Tegalsiwalan"):
        assert figure in text
    assert "46,504,000" in text  # the cost and the minimum budget
    assert not any(number in text for number in registry.numbers)


def test_assignments_name_list_entries_not_people(needs, registry):
    data = plan_json("--assignments")

    assert sorted(a["entry"] for a in data["assignments"]) == sorted(
        e.pk for name, e in needs.items() for _kind in NEEDS[name])
    text = json.dumps(data)
    assert not any(number in text for number in registry.numbers)


def test_bad_arguments_are_clear_errors(needs):
    with pytest.raises(CommandError, match="Daftar sasaran 999 tidak ada"):
        call_command("plan", "--list", "999", stdout=StringIO())
    with pytest.raises(CommandError, match="Belum ada program untuk tahun 2031"):
        call_command("plan", "--year", "2031", stdout=StringIO())


def test_no_target_list_is_a_clear_error(db):
    with pytest.raises(CommandError, match="Belum ada daftar sasaran"):
        call_command("plan", stdout=StringIO())
