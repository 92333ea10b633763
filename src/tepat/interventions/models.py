"""Programmes of every agency and the interventions they deliver (DESIGN.md §1, §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tepat.core.strategies import FUNDING_SOURCES, NEED_KINDS, STRATEGIES
from tepat.registry.scoping import PersonalQuerySet


class Programme(models.Model):
    name = models.CharField(_("nama program"), max_length=200)
    agency = models.ForeignKey("gesek.Agency", on_delete=models.PROTECT,
                               related_name="programmes")
    kind = models.CharField(_("jenis bantuan"), max_length=12,
                            choices=[(k.code, _(k.label)) for k in NEED_KINDS.values()])
    strategy = models.CharField(_("strategi"), max_length=12,
                                choices=[(s.code, _(s.label)) for s in STRATEGIES.values()])
    funding = models.CharField(_("sumber dana"), max_length=10,
                               choices=[(k, _(v)) for k, v in FUNDING_SOURCES.items()])
    unit_cost = models.DecimalField(_("biaya satuan (Rp)"), max_digits=14, decimal_places=0)
    desil_max = models.PositiveSmallIntegerField(_("desil maksimum"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("kapasitas (keluarga)"), null=True, blank=True)
    budget = models.DecimalField(_("pagu (Rp)"), max_digits=16, decimal_places=0, null=True,
                                 blank=True)
    year = models.PositiveSmallIntegerField(_("tahun"))

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name", "year"],
                                               name="programme_once")]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    DELIVERED = "delivered", _("Tersalurkan")
    FAILED = "failed", _("Gagal disalurkan")  # a payment the bank or Pos could not make


RECEIVED = InterventionStatus.DELIVERED  # the only status that counts as aid received


class Intervention(models.Model):
    """An aid to a family (or one of its members) under a programme."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT,
                                  related_name="interventions")
    family = models.ForeignKey("registry.Family", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    desa = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    delivered_on = models.DateField(_("tanggal"))
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=1)
    amount = models.DecimalField(_("nilai (Rp)"), max_digits=14, decimal_places=0)
    status = models.CharField(max_length=10, choices=InterventionStatus.choices,
                              default=InterventionStatus.DELIVERED)
    upload = models.ForeignKey("BeneficiaryUpload", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="interventions")
    # A payment from an agency's disbursement file (issue 17 §6); blank otherwise.
    period = models.CharField(_("periode"), max_length=10, blank=True)  # 2025-04 | 2025-T2
    reference = models.CharField(_("referensi"), max_length=100, blank=True)
    failure_reason = models.CharField(_("alasan gagal"), max_length=200, blank=True)
    channel = models.CharField(_("saluran"), max_length=60, blank=True)
    payment_key = models.CharField(max_length=140, blank=True)  # pipeline.disbursement
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonalQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["family"]), models.Index(fields=["programme"]),
                   models.Index(fields=["kecamatan", "desa"])]
        constraints = [models.UniqueConstraint(
            fields=["programme", "payment_key"], condition=~models.Q(payment_key=""),
            name="intervention_payment_once")]


class UploadKind(models.TextChoices):
    BENEFICIARIES = "beneficiaries", _("Daftar penerima")
    DISBURSEMENTS = "disbursements", _("Berkas penyaluran")


class BeneficiaryUpload(models.Model):
    """An agency's beneficiary list, or its disbursement file (who was paid), from Excel,
    matched to the registry."""

    kind = models.CharField(max_length=14, choices=UploadKind.choices,
                            default=UploadKind.BENEFICIARIES)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="uploads")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)  # disbursement rows refused (listed)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]


class UnmatchedRow(models.Model):
    """A beneficiary row no NIK/KK matched: kept with its nearest candidates until a person
    confirms one (an intervention is then written) or rejects the row. Nothing is dropped."""

    class State(models.TextChoices):
        OPEN = "open", _("Belum diputuskan")
        CONFIRMED = "confirmed", _("Dicocokkan")
        REJECTED = "rejected", _("Ditolak")

    upload = models.ForeignKey(BeneficiaryUpload, on_delete=models.CASCADE,
                               related_name="unmatched_rows")
    row_number = models.PositiveIntegerField()
    nik = models.CharField(max_length=64, blank=True)
    no_kk = models.CharField(max_length=64, blank=True)
    nama = models.CharField(max_length=200, blank=True)
    tanggal_lahir = models.DateField(null=True, blank=True)
    desa_code = models.CharField(max_length=13, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=0, null=True, blank=True)
    reason = models.CharField(max_length=200)  # why it did not match
    # A disbursement row: the payment it records (blank for a beneficiary-list row).
    payment_key = models.CharField(max_length=140, blank=True)
    payment_status = models.CharField(max_length=10, blank=True,
                                      choices=[(InterventionStatus.DELIVERED.value, _("Dibayar")),
                                               (InterventionStatus.FAILED.value, _("Gagal"))])
    period = models.CharField(max_length=10, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=60, blank=True)
    candidates = models.JSONField(default=list)  # [{"family": id, "person": id, "score": …}]
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    resolved_family = models.ForeignKey("registry.Family", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
