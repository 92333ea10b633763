"""A report built in the background: the rakor pack or the quarterly report, as PDF or Excel.

The file goes to settings.INSTANCE_DIR / "reports"; the row says who asked, how far the build
is (0–100) and how it ended. A failure keeps a short message for the user and the error text
(masked, no traceback) for the secretariat."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    RAKOR = "rakor", _("Bahan rakor TKPK")
    QUARTERLY = "quarterly", _("Laporan triwulan ke Kemendagri")


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Dalam antrean")
    RUNNING = "running", _("Sedang dibuat")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class ReportJob(models.Model):
    kind = models.CharField(_("jenis"), max_length=12, choices=ReportKind.choices)
    params = models.JSONField(_("parameter"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    status = models.CharField(_("status"), max_length=8, choices=JobStatus.choices,
                              default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progres (%)"), default=0)
    message = models.CharField(_("pesan"), max_length=300, blank=True)
    file_path = models.CharField(_("berkas"), max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_role = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(_("kesalahan"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("laporan")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.format})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def download_name(self) -> str:
        stem = "bahan-rakor-tkpk" if self.kind == ReportKind.RAKOR else (
            f"laporan-triwulan-{self.params.get('quarter', '')}")
        return f"{stem}-{self.pk}.{self.format}"
