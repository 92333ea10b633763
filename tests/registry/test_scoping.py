"""Area scoping in the data layer (issue 6 §1): in tests, any query of the application on
personal data without an area scope raises; batch jobs opt out explicitly and visibly.

The check only looks at queries the application itself runs (a test's own assertions about
stored rows are not checked), so the probes below are compiled under a file name inside the
`tepat` package: to the check they are application code, as a view or a service would be.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import Count

from tepat.registry import scoping
from tepat.registry.scoping import UnscopedQuery, is_covered, unscoped_access

MALESANWETAN, TEGALSIWALAN = "35.13.20.2001", "35.13.20"  # as in tests/conftest.py

PACKAGE = Path(scoping.__file__).resolve().parent.parent
PROBE_FILE = str(PACKAGE / "registry" / "_probe_for_tests.py")

# The models that hold a person's data and record the area it belongs to.
PERSONAL = {"registry.Family", "registry.Person", "verification.Verification",
            "verification.Proposal", "verification.TargetListEntry", "gesek.Assignment",
            "gesek.Visit", "gesek.Need", "interventions.Intervention",
            "verification.CrossAreaDuplicate", "linkage.ClusterMember", "linkage.ListRecord"}
# Personal data scoped by one area column (a kecamatan's or the kabupaten's queue), without
# desa/kecamatan columns of their own.
AREA_ONLY = {"linkage.LinkPair"}
# Area tallies and area documents: rows per desa, no person in them.
AREA_AGGREGATES = {"registry.DesaStat", "verification.Musdes", "verification.DesaSubmission",
                   "verification.CampaignStat"}


def run_as_app(code: str, **names):
    """Evaluate `code` as if it were a line of the application (see the module docstring)."""
    return eval(compile(code, PROBE_FILE, "eval"), {}, names)  # noqa: S307


def label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def test_every_model_with_personal_data_and_an_area_checks_its_queries():
    with_area = {label(m) for m in apps.get_models()
                 if {"desa", "kecamatan"} <= {f.name for f in m._meta.get_fields()}}
    assert with_area - AREA_AGGREGATES == PERSONAL, (
        "a new model with desa/kecamatan columns: give it PersonalQuerySet.as_manager() if it "
        "holds personal data, else list it in AREA_AGGREGATES")
    assert {label(m) for m in apps.get_models() if is_covered(m)} == PERSONAL | AREA_ONLY


EVALUATIONS = {
    "fetch": "list(qs)",
    "get": "qs.get(pk=pk)",
    "first": "qs.first()",
    "values": "list(qs.values('pk'))",
    "count": "qs.count()",
    "exists": "qs.exists()",
    "aggregate": "qs.aggregate(n=Count('pk'))",
    "iterator": "list(qs.iterator())",
    "in_bulk": "qs.in_bulk([pk])",
    "update": "qs.filter(pk=pk).update(alamat='Dusun Krajan')",
    "delete": "qs.filter(pk=-1).delete()",
}


@pytest.mark.parametrize("kind", sorted(EVALUATIONS))
def test_an_unscoped_query_of_the_application_raises_whatever_evaluates_it(registry, kind):
    from tepat.registry.models import Family

    family = registry.families[MALESANWETAN][0]
    with pytest.raises(UnscopedQuery) as raised:
        run_as_app(EVALUATIONS[kind], qs=Family.objects.filter(source="p3ke"), pk=family.pk,
                   Count=Count)
    message = str(raised.value)
    assert "Family" in message and "_probe_for_tests.py:1" in message
    assert "for_user" in message and "unscoped(" in message  # says how to fix it
    family.refresh_from_db()
    assert family.alamat != "Dusun Krajan"  # nothing was written


@pytest.mark.parametrize("model", sorted(PERSONAL))
def test_each_personal_model_refuses_an_unscoped_query(db, model):
    with pytest.raises(UnscopedQuery, match=model.split(".")[1]):
        run_as_app("qs.count()", qs=apps.get_model(model).objects.all())


def test_queries_scoped_by_area_user_or_official_run(registry, users, gesek):
    from tepat.gesek.models import Assignment
    from tepat.registry.models import Family, Person
    from tepat.verification.models import TargetListEntry

    own = registry.families[MALESANWETAN]
    assert run_as_app("qs.count()", qs=Family.objects.for_user(users.operator_desa)) == len(own)
    assert run_as_app("qs.count()", qs=Person.objects.for_area(TEGALSIWALAN)) > 0
    assert run_as_app("qs.count()", qs=Family.objects.for_user(users.no_area)) == 0
    assert run_as_app("list(qs)", qs=Family.objects.none()) == []
    official = gesek.member
    assert run_as_app("qs.count()", qs=Assignment.objects.for_official(official)) >= 0
    assert run_as_app("qs.count()", qs=TargetListEntry.objects.for_official(
        None, via="assignment__official")) == 0
    # a scope survives further filtering, ordering and slicing
    assert run_as_app("list(qs)", qs=Family.objects.for_user(users.admin)
                      .filter(desil=1).order_by("pk")[:2])


def test_a_related_manager_is_scoped_only_when_its_parent_is_personal(registry, campaign):
    family = registry.families[MALESANWETAN][0]
    members = run_as_app("list(family.members.all())", family=family)
    assert len(members) == family.member_count  # the family was reached through a check
    with pytest.raises(UnscopedQuery, match="Verification"):  # a campaign spans the regency
        run_as_app("campaign.verifications.count()", campaign=campaign)


def test_an_opt_out_needs_a_reason_and_holds_only_where_it_is_taken(registry):
    from tepat.registry.models import Family

    for reason in ("", "   ", None):
        with pytest.raises(ValueError, match="reason"):
            Family.objects.unscoped(reason)
        with pytest.raises(ValueError, match="reason"), unscoped_access(reason):
            pass
    before = scoping.OPT_OUTS["test: whole regency"]
    assert run_as_app("qs.count()", qs=Family.objects.unscoped("test: whole regency")) == 8
    with unscoped_access("test: a batch job"):
        assert run_as_app("qs.count()", qs=Family.objects.all()) == 8
    assert scoping.OPT_OUTS["test: whole regency"] == before + 1
    assert scoping.active_opt_out() is None
    with pytest.raises(UnscopedQuery):  # the block is over
        run_as_app("qs.count()", qs=Family.objects.all())


def test_with_strict_checking_off_the_query_runs_and_the_log_names_the_line(
        registry, settings, caplog):
    from tepat.registry.models import Family

    settings.TEPAT_STRICT_SCOPING = False
    with caplog.at_level(logging.WARNING, logger="tepat.registry.scoping"):
        assert run_as_app("qs.count()", qs=Family.objects.filter(desil=1)) == 4
    assert "unscoped count of Family in tepat/registry/_probe_for_tests.py:1" in caplog.text


def test_a_tests_own_query_is_not_an_application_path(registry):
    from tepat.registry.models import Family

    assert Family.objects.count() == 8  # this line is in tests/, not in the package


OPT_OUT = re.compile(r"""(?:\.unscoped|unscoped_access)\(\s*(["'])(.*?)\1""", re.S)
KINDS = {"service", "report", "convergence", "plan", "matching", "usulan", "map", "public",
         "pendamping", "demo", "cohort", "disbursement", "linkage"}


def test_every_opt_out_in_the_source_says_which_batch_job_and_why():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "scoping.py":
            continue  # its own docstring and messages show the form
        for match in OPT_OUT.finditer(path.read_text()):
            found.append((path.relative_to(PACKAGE).as_posix(), match.group(2)))
    assert len(found) >= 10
    for where, reason in found:
        kind, _, why = reason.partition(": ")
        assert kind in KINDS and why.strip(), f"{where}: opt-out reason {reason!r}"
    assert not [where for where, _ in found if where.startswith("web/views/")
                and not where.endswith(("gesek.py", "public.py"))]
