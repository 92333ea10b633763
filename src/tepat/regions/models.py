"""Regions of the Kemendagri 2025 table that an instance works with."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten/Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    DESA = "desa", _("Desa/Kelurahan")


class Region(models.Model):
    """One region, keyed by its dotted Kemendagri code (35.13.20.2001)."""

    code = models.CharField(max_length=13, primary_key=True)
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_kelurahan = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def kind_label(self) -> str:
        if self.level == Level.DESA:
            return "Kelurahan" if self.is_kelurahan else "Desa"
        return self.get_level_display()

    def contains(self, code: str) -> bool:
        """True when `code` is this region or lies inside it."""
        return code == self.code or code.startswith(self.code + ".")


class Instance(models.Model):
    """The settings of this instance, one row (pk 1): the kabupaten/kota it serves, chosen at
    set-up (`tepat setup --kabupaten 35.07`). Without a row the instance serves Kab.
    Probolinggo (35.13), as every instance did before issue 19. Read it through
    `tepat.regions.selectors.regency()`."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    kabupaten = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Instance {self.kabupaten_id}"
