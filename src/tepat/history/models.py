"""Figures the history app keeps so that its pages answer at once (DESIGN.md §10)."""

from __future__ import annotations

from django.db import models


class KeptCohort(models.Model):
    """The regency's cohort of two target lists, per kecamatan (tepat.core.cohort as JSON),
    computed once and kept while what it depends on stays the same (`stamp`: the set of lists
    and the last approved change request; the two lists themselves never change once fixed).
    Derived data, like the dashboard's DesaStat: no personal data, rebuilt at will."""

    earlier = models.ForeignKey("verification.TargetList", on_delete=models.CASCADE,
                                related_name="+")
    later = models.ForeignKey("verification.TargetList", on_delete=models.CASCADE,
                              related_name="+")
    stamp = models.CharField(max_length=80)
    table = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["earlier", "later"],
                                               name="kept_cohort_once")]
