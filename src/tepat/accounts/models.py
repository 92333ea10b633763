"""Users, their role and their area (DESIGN.md §5)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN_KABUPATEN = "admin_kabupaten", _("Admin kabupaten (Sekretariat TKPK)")
    OPERATOR_KECAMATAN = "operator_kecamatan", _("Operator kecamatan")
    OPERATOR_DESA = "operator_desa", _("Operator desa/kelurahan")
    OPD = "opd", _("Operator OPD")
    PEJABAT = "pejabat", _("Pejabat pendamping")
    PIMPINAN = "pimpinan", _("Pimpinan")


class User(AbstractUser):
    role = models.CharField(max_length=24, choices=Role.choices, blank=True)
    area = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Wilayah kerja: kabupaten, kecamatan atau desa"),
    )
    agency = models.CharField(max_length=120, blank=True, help_text=_("OPD, untuk operator OPD"))

    @property
    def area_code(self) -> str | None:
        return self.area_id
