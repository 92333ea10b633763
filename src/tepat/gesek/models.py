"""Gesek Ekstrem (Instruksi Bupati Probolinggo 1/2024): agencies, echelon officials, a team per
kecamatan, a pendamping official per target family, visits and needs (DESIGN.md §1, §5).

The population is a fixed target list (`verification.TargetList`): assignments, visits and
needs hang on its entries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tepat.core.strategies import ESELON, NEED_KINDS, STRATEGIES
from tepat.registry.scoping import PersonalQuerySet


class Agency(models.Model):
    """A regional agency (OPD / perangkat daerah), or a kecamatan office."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=150, unique=True)
    short_name = models.CharField(_("singkatan"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("perangkat daerah")

    def __str__(self) -> str:
        return self.short_name or self.name


class Official(models.Model):
    """An echelon official (pejabat eselon) who may lead or join a kecamatan team."""

    nip = models.CharField("NIP", max_length=18, unique=True)
    name = models.CharField(_("nama"), max_length=150)
    position = models.CharField(_("jabatan"), max_length=200)
    eselon = models.CharField(_("eselon"), max_length=3, choices=[(e, e) for e in ESELON])
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="officials")
    base = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("lokasi kantor"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="official")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["eselon", "name"]
        verbose_name = _("pejabat")

    def __str__(self) -> str:
        return f"{self.name} ({self.eselon}, {self.agency})"


class TeamRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Koordinator")
    MEMBER = "member", _("Anggota")


class TeamMember(models.Model):
    """An official in the Gesek Ekstrem team of one kecamatan."""

    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="teams")
    role = models.CharField(max_length=12, choices=TeamRole.choices, default=TeamRole.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kecamatan", "official"], name="team_member_once"),
            models.UniqueConstraint(fields=["kecamatan"], condition=models.Q(role="coordinator"),
                                    name="one_coordinator_per_kecamatan"),
        ]


class Assignment(models.Model):
    """The pendamping official of one family of a target list."""

    entry = models.OneToOneField("verification.TargetListEntry", on_delete=models.CASCADE,
                                 related_name="assignment")
    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="assignments")
    desa = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    distance_km = models.FloatField(default=0)
    method = models.CharField(max_length=8, default="auto")  # auto, manual
    assigned_at = models.DateTimeField(auto_now=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    objects = PersonalQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["official"]), models.Index(fields=["kecamatan", "desa"])]


class Visit(models.Model):
    entry = models.ForeignKey("verification.TargetListEntry", on_delete=models.CASCADE,
                              related_name="visits")
    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="visits")
    desa = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("tanggal kunjungan"))
    notes = models.TextField(_("catatan"), blank=True)
    photo = models.FileField(upload_to="kunjungan/%Y/%m/", blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonalQuerySet.as_manager()


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Terbuka")
    REFERRED = "referred", _("Dirujuk")
    MET = "met", _("Terpenuhi")


class Need(models.Model):
    """A need of a target family under one of the three strategies; referred to an agency."""

    entry = models.ForeignKey("verification.TargetListEntry", on_delete=models.CASCADE,
                              related_name="needs")
    kind = models.CharField(_("kebutuhan"), max_length=12,
                            choices=[(k.code, _(k.label)) for k in NEED_KINDS.values()])
    strategy = models.CharField(max_length=12,
                                choices=[(s.code, _(s.label)) for s in STRATEGIES.values()])
    note = models.TextField(_("catatan"), blank=True)
    status = models.CharField(max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    referred_to = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="referrals")
    met_by = models.ForeignKey("interventions.Intervention", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    desa = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PersonalQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "kind"], name="need_once")]
