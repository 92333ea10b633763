"""Indicator values and targets. Written only through `tepat.indicators.services`.

Regions are stored as code + name, not as a foreign key: the comparison series (Jawa Timur `35`,
Indonesia `ID`) are not in the regions table, and a published statistic keeps the name it was
published under.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tepat.core import indicators as core

# The core's Indonesian labels, in the reader's language (tepat.web.code_labels lists them).
INDICATOR_CHOICES = [(code, _(i.label)) for code, i in core.INDICATORS.items()]
LINE_CHOICES = [(code, _(line.label)) for code, line in core.POVERTY_LINES.items()]


class Observation(models.Model):
    """One published (or computed) value of an indicator for a region and year."""

    region_code = models.CharField(_("kode wilayah"), max_length=20)
    region_name = models.CharField(_("nama wilayah"), max_length=120)
    indicator = models.CharField(_("indikator"), max_length=40, choices=INDICATOR_CHOICES)
    year = models.PositiveSmallIntegerField(_("tahun"))
    month = models.PositiveSmallIntegerField(
        _("bulan referensi"), default=0, help_text=_("1–12; 0 bila sumber tidak menyebutkan"))
    value = models.DecimalField(_("nilai"), max_digits=18, decimal_places=4)
    unit = models.CharField(_("satuan"), max_length=30)
    line = models.CharField(_("garis kemiskinan"), max_length=30, choices=LINE_CHOICES)
    source = models.CharField(_("sumber"), max_length=300)
    url = models.URLField(_("tautan sumber"), max_length=500, blank=True)
    source_kind = models.CharField(_("jenis sumber"), max_length=100, blank=True)
    flags = models.CharField(_("penanda"), max_length=200, blank=True,
                             help_text=_("dipisah koma: unverified, conflict, computed, …"))
    note = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "indicator", "year", "month", "line", "source"],
                name="indicator_observation_unique"),
        ]
        indexes = [models.Index(fields=["region_code", "indicator", "year"])]
        ordering = ["region_code", "indicator", "year", "line", "pk"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.indicator} {self.year}: {self.value}"

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]

    def to_core(self) -> core.Observation:
        return core.Observation(
            region_code=self.region_code, region_name=self.region_name,
            indicator=self.indicator, year=self.year, month=self.month or None,
            value=float(self.value), unit=self.unit, line=self.line, source=self.source,
            url=self.url, source_kind=self.source_kind, flags=tuple(self.flag_list),
            note=self.note)


class Target(models.Model):
    """A target value of an indicator for a year, with its legal basis."""

    region_code = models.CharField(_("kode wilayah"), max_length=20)
    region_name = models.CharField(_("nama wilayah"), max_length=120)
    indicator = models.CharField(_("indikator"), max_length=40, choices=INDICATOR_CHOICES)
    year = models.PositiveSmallIntegerField(_("tahun"))
    value = models.DecimalField(_("nilai target"), max_digits=18, decimal_places=4)
    comparator = models.CharField(_("pembanding"), max_length=2,
                                  choices=[("<=", "≤"), ("<", "<")], default="<=")
    level = models.CharField(_("tingkat"), max_length=10,
                             choices=[("nasional", _("nasional")), ("daerah", _("daerah"))])
    basis = models.CharField(_("dasar hukum"), max_length=300)
    note = models.TextField(_("catatan"), blank=True)
    flags = models.CharField(_("penanda"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_code", "indicator", "year", "basis"],
                                    name="indicator_target_unique"),
        ]
        ordering = ["indicator", "year", "level", "pk"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.indicator} {self.year} {self.comparator} {self.value}"

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]

    def to_core(self) -> core.Target:
        note = self.note
        if self.flag_list:
            note = f"{note} [{', '.join(self.flag_list)}]".strip()
        return core.Target(
            region_code=self.region_code, indicator=self.indicator, year=self.year,
            value=float(self.value), comparator=self.comparator, level=self.level,
            basis=self.basis, note=note)
