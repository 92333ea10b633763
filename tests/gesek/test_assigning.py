"""Automatic assignment on the database (`gesek` fixture): Tegalsiwalan's team is a coordinator
(II, based in Malesanwetan), Lilik (III, Gunungbekel) and Agus (IV, Malesanwetan); Sukapura's is
Ir. Bambang (III, Ngadisari). The target list: Sutrisno and Misnati in Malesanwetan, Siti Aminah
in Gunungbekel, Poniti in Ngadisari."""

from __future__ import annotations

import io
import json

import pytest

pytestmark = pytest.mark.django_db

AUTO = "gesek.assignment.auto"


def _official_of(target_list) -> dict[str, tuple[str, str]]:
    from tepat.gesek.models import Assignment

    return {a.entry.kepala_keluarga: (a.official.name, a.method) for a in
            Assignment.objects.filter(entry__target_list=target_list)
            .select_related("entry", "official")}


def _events():
    from tepat.audit.models import AuditEvent

    return AuditEvent.objects.filter(action=AUTO)


def test_every_family_gets_the_nearest_official_of_its_kecamatan_in_one_audited_write(
        gesek, users):
    from tepat.gesek.assigning import auto_assign

    report = auto_assign(gesek.target_list, actor=users.admin)
    officials = _official_of(gesek.target_list)
    assert officials["Siti Aminah"] == ("Lilik Suryani", "auto")  # based in Gunungbekel
    assert officials["Poniti"] == ("Ir. Bambang", "auto")
    assert {officials[n][0] for n in ("Sutrisno", "Misnati")} <= {"Drs. Hariyanto", "Agus Salim"}
    assert (report.families, report.assigned, report.total_distance_km) == (4, 4, 0)
    event = _events().get()
    assert event.actor == users.admin
    assert event.data["assigned_auto"] == 4 and event.data["quotas"] == {
        "II": 15, "III": 40, "IV": 80}
    assert "solve_seconds" in event.data and event.data["total_distance_km"] == 0


def test_a_dry_run_writes_nothing(gesek, users):
    from tepat.gesek.assigning import auto_assign
    from tepat.gesek.models import Assignment

    report = auto_assign(gesek.target_list, actor=users.admin, dry_run=True)
    assert report.assigned == 4 and report.dry_run
    assert not Assignment.objects.exists() and not _events().exists()


def test_a_second_run_on_the_same_data_changes_nothing(gesek, users):
    from tepat.gesek.assigning import auto_assign
    from tepat.gesek.models import Assignment

    first = auto_assign(gesek.target_list, actor=users.admin)
    assert (first.written, first.replaced, first.unchanged) == (4, 0, 0)
    rows = set(Assignment.objects.values_list("pk", "entry_id", "official_id"))
    again = auto_assign(gesek.target_list, actor=users.admin)
    assert (again.written, again.replaced, again.unchanged) == (0, 0, 4)
    assert set(Assignment.objects.values_list("pk", "entry_id", "official_id")) == rows
    assert _events().count() == 2


def test_a_run_after_a_team_change_moves_only_the_families_concerned(gesek, users):
    from tepat.gesek.assigning import auto_assign
    from tepat.gesek.services import set_team

    auto_assign(gesek.target_list, actor=users.admin)
    set_team("35.13.01", coordinator=gesek.member, members=[], actor=users.admin)
    dry = auto_assign(gesek.target_list, actor=users.admin, dry_run=True)
    assert (dry.written, dry.replaced) == (1, 1)  # would move Poniti only
    assert _official_of(gesek.target_list)["Poniti"] == ("Ir. Bambang", "auto")
    auto_assign(gesek.target_list, actor=users.admin)
    assert _official_of(gesek.target_list)["Poniti"] == ("Lilik Suryani", "auto")


def test_manual_assignments_are_kept_and_count_in_the_load(gesek, users):
    from tepat.gesek import services
    from tepat.gesek.assigning import auto_assign

    siti = gesek.target_list.entries.get(kepala_keluarga="Siti Aminah")
    services.reassign(siti, gesek.junior, actor=users.admin, why="tetangga")
    report = auto_assign(gesek.target_list, actor=users.admin)
    assert _official_of(gesek.target_list)["Siti Aminah"] == ("Agus Salim", "manual")
    assert (report.assigned_auto, report.kept_manual) == (3, 1)
    agus = next(o for o in report.officials if o.name == "Agus Salim")
    assert agus.manual == 1 and agus.load == agus.manual + agus.auto


def test_manual_assignments_are_replaced_when_asked(gesek, users):
    from tepat.gesek import services
    from tepat.gesek.assigning import auto_assign

    siti = gesek.target_list.entries.get(kepala_keluarga="Siti Aminah")
    services.reassign(siti, gesek.junior, actor=users.admin)
    auto_assign(gesek.target_list, actor=users.admin, keep_manual=False)
    assert _official_of(gesek.target_list)["Siti Aminah"] == ("Lilik Suryani", "auto")


@pytest.mark.parametrize("persona", ["operator_kecamatan", "pejabat", "opd", "pimpinan"])
def test_only_the_admin_kabupaten_may_run_it(gesek, users, persona):
    from tepat.gesek.assigning import auto_assign
    from tepat.gesek.models import Assignment
    from tepat.verification.errors import RuleError

    with pytest.raises(RuleError, match="Hanya admin kabupaten"):
        auto_assign(gesek.target_list, actor=getattr(users, persona), dry_run=True)
    assert not Assignment.objects.exists()


def test_a_kecamatan_without_team_is_reported_by_desa_without_names(gesek, users, registry):
    from tepat.gesek.assigning import auto_assign
    from tepat.gesek.models import TeamMember

    TeamMember.objects.filter(kecamatan_id="35.13.01").delete()
    report = auto_assign(gesek.target_list, actor=users.admin).as_dict()
    assert report["assigned"] == 3 and report["unassigned_total"] == 1
    (group,) = report["unassigned"]
    assert (group["reason"], group["desa_name"], group["families"]) == ("no_team", "Ngadisari", 1)
    assert "tim" in group["label"]
    text = json.dumps(report)
    assert "Poniti" not in text and not any(number in text for number in registry.numbers)


def test_a_team_short_of_quota_assigns_up_to_it_and_reports_the_exact_shortfall(gesek, users):
    from tepat.gesek.assigning import auto_assign

    report = auto_assign(gesek.target_list, actor=users.admin,
                         quotas={"II": 0, "III": 0, "IV": 1})
    assert report.assigned == 1
    assert report.unassigned_by_reason() == {"no_team": 0, "no_centroid": 0, "capacity": 3}
    assert sum(o.load for o in report.officials) == 1


def test_an_unknown_eselon_in_the_quotas_is_refused(gesek, users):
    from tepat.gesek.assigning import auto_assign
    from tepat.verification.errors import RuleError

    with pytest.raises(RuleError, match="Eselon V tidak dikenal"):
        auto_assign(gesek.target_list, actor=users.admin, quotas={"V": 3})


def test_the_command_prints_the_report_as_json(gesek, users):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("gesek", "assign", "--format", "json", "--quota", "II=10,III=30,IV=60",
                 stdout=out)
    report = json.loads(out.getvalue())
    assert {"families", "assigned", "unassigned", "unassigned_by_reason", "officials",
            "total_distance_km", "solve_seconds", "quotas"} <= report.keys()
    assert report["quotas"] == {"II": 10, "III": 30, "IV": 60}
    assert (report["families"], report["assigned"], report["dry_run"]) == (4, 4, False)
    lilik = next(o for o in report["officials"] if o["nip"] == gesek.member.nip)
    assert {"name": "Lilik Suryani", "eselon": "III", "agency": "Perkim",
            "kecamatan": "35.13.20", "load": 1, "quota": 30}.items() <= lilik.items()
    assert _events().get().actor == users.admin  # the first active admin kabupaten


def test_the_command_dry_run_table_names_the_officials_and_writes_nothing(gesek, users):
    from django.core.management import call_command

    from tepat.gesek.models import Assignment

    out = io.StringIO()
    call_command("gesek", "assign", "--dry-run", "--list", str(gesek.target_list.pk),
                 "--user", users.admin.username, stdout=out)
    assert "DRY RUN" in out.getvalue() and gesek.coordinator.nip in out.getvalue()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("argv, message", [
    (["--quota", "II=lima"], "II=lima"),
    (["--list", "999"], "999"),
    (["--user", "operator.kecamatan"], "Hanya admin kabupaten"),
])
def test_the_command_explains_bad_input(gesek, users, argv, message):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=message):
        call_command("gesek", "assign", *argv, stdout=io.StringIO())
