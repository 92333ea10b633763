"""The verification campaign (verval / pemutakhiran), DESIGN.md §1, §3, §4.

A `Campaign` freezes its baseline when it opens: one `Verification` row per family in scope,
with the family's desa, kecamatan and member count at that moment, so later imports never move
the denominators. The desa records an outcome on that row, the kecamatan reviews it, the
kabupaten finalizes the campaign into a `TargetList`. `CampaignStat` holds the per-desa tallies
the progress pages read (rebuilt for one desa on every write), `DailyProgress` the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tepat.core.outcomes import MAMPU_REASONS, OUTCOMES, Review
from tepat.registry.models import Source
from tepat.registry.scoping import AreaQueueQuerySet, PersonalQuerySet, ScopedQuerySet

OUTCOME_CHOICES = [(o.code, _(o.label)) for o in OUTCOMES.values()]  # marked in labels.py
REVIEW_CHOICES = [
    (Review.DRAFT, _("Draf")),
    (Review.SUBMITTED, _("Dikirim")),
    (Review.RETURNED, _("Dikembalikan")),
    (Review.APPROVED, _("Disetujui")),
    (Review.FINAL, _("Final")),
]
REASON_CHOICES = [(code, _(label)) for code, label in MAMPU_REASONS.items()]


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draf")
    OPEN = "open", _("Dibuka")
    CLOSED = "closed", _("Ditutup")
    FINALIZED = "finalized", _("Difinalkan")


def _region(related_name: str = "+", **kwargs) -> models.ForeignKey:
    return models.ForeignKey("regions.Region", on_delete=models.PROTECT,
                             related_name=related_name, **kwargs)


class Campaign(models.Model):
    name = models.CharField(_("nama"), max_length=150)
    period = models.CharField(_("periode"), max_length=20, help_text=_("mis. 2024"))
    # Scope: which registry families the campaign verifies (frozen into the baseline on opening).
    source = models.CharField(_("sumber"), max_length=8, choices=Source.choices)
    desil = models.CharField(
        _("desil"), max_length=40, blank=True,
        help_text=_("mis. 1 atau 1,2; kosong = semua desil"),
    )
    kecamatan_scope = models.CharField(
        _("kecamatan"), max_length=400, blank=True,
        help_text=_("kode kecamatan dipisah koma; kosong = seluruh kabupaten"),
    )
    scope_batch = models.ForeignKey(
        "registry.SourceBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("impor terakhir sumber ini saat kampanye dibuka"),
    )
    opens_on = models.DateField(_("tanggal buka"))
    closes_on = models.DateField(_("tanggal tutup"))
    finalize_by = models.DateField(_("tanggal finalisasi"))
    state = models.CharField(max_length=10, choices=CampaignState.choices,
                             default=CampaignState.DRAFT)
    baseline_keluarga = models.PositiveIntegerField(default=0)
    baseline_jiwa = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("kampanye verifikasi")

    def __str__(self) -> str:
        return self.name

    @property
    def desil_list(self) -> list[int]:
        return [int(d) for d in self.desil.replace(" ", "").split(",") if d]

    @property
    def kecamatan_list(self) -> list[str]:
        return [k for k in self.kecamatan_scope.replace(" ", "").split(",") if k]

    @property
    def is_open(self) -> bool:
        return self.state == CampaignState.OPEN

    @property
    def is_finalized(self) -> bool:
        return self.state == CampaignState.FINALIZED


class Verification(models.Model):
    """One family of a campaign's frozen baseline, and what the desa found."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="verifications")
    family = models.ForeignKey("registry.Family", on_delete=models.PROTECT, related_name="+")
    desa = _region()
    kecamatan = _region()
    jiwa = models.PositiveSmallIntegerField(_("jiwa (baseline)"))
    outcome = models.CharField(_("hasil"), max_length=16, blank=True, choices=OUTCOME_CHOICES)
    reason = models.CharField(_("alasan"), max_length=12, blank=True, choices=REASON_CHOICES)
    note = models.TextField(_("catatan"), blank=True)
    destination = models.CharField(_("tujuan pindah"), max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "registry.Family", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("duplikat dari"),
    )
    # Corrections of the family and its members: a list of operations (see services).
    corrections = models.JSONField(default=list, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    review = models.CharField(_("status"), max_length=10, blank=True, choices=REVIEW_CHOICES)
    return_reason = models.TextField(_("alasan dikembalikan"), blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=8, default="web")  # web, odk, bulk

    objects = PersonalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "family"], name="verification_once"),
        ]
        indexes = [
            models.Index(fields=["campaign", "desa", "review"]),
            models.Index(fields=["campaign", "kecamatan"]),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.family_id}"

    @property
    def is_pending(self) -> bool:
        return self.review in ("", Review.DRAFT, Review.RETURNED)


class Proposal(models.Model):
    """Usulan baru: a family missing from the list, proposed by its desa."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="proposals")
    desa = _region()
    kecamatan = _region()
    kepala_keluarga = models.CharField(_("kepala keluarga"), max_length=150)
    no_kk = models.CharField(_("No. KK"), max_length=16, blank=True)
    alamat = models.TextField(_("alamat"), blank=True)
    members = models.JSONField(default=list)  # [{nama, nik, hubungan, jenis_kelamin, …}]
    jiwa = models.PositiveSmallIntegerField(default=1)
    note = models.TextField(_("catatan"), blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    possible_duplicates = models.JSONField(default=list, blank=True)  # family ids shown
    review = models.CharField(max_length=10, choices=REVIEW_CHOICES, default=Review.DRAFT)
    return_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["campaign", "desa"])]

    def __str__(self) -> str:
        return f"Usulan {self.pk}: {self.kepala_keluarga}"


class ProposedNik(models.Model):
    """One row per NIK proposed in a campaign: the database, not a check before the insert,
    guarantees that two desa (or one operator's double submit on a slow connection) cannot
    propose the same person twice, even at the same instant."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="niks")
    nik = models.CharField("NIK", max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "nik"],
                                               name="proposed_nik_once_per_campaign")]


class Evidence(models.Model):
    """A photo of the house (resized on upload), with where and when it was taken."""

    verification = models.ForeignKey(Verification, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="evidence")
    proposal = models.ForeignKey(Proposal, null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="evidence")
    photo = models.FileField(upload_to="bukti/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class Musdes(models.Model):
    """The village meeting of a desa in a campaign, and its signed berita acara."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="musdes")
    desa = _region()
    kecamatan = _region()
    held_on = models.DateField(_("tanggal musdes"))
    attendance = models.PositiveIntegerField(_("jumlah hadir"))
    berita_acara = models.FileField(_("berita acara"), upload_to="berita-acara/%Y/")
    note = models.TextField(_("catatan"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "desa"], name="musdes_once"),
        ]


class DesaSubmission(models.Model):
    """A desa's final batch: every family verified and submitted, berita acara attached."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    desa = _region()
    kecamatan = _region()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "desa"], name="desa_submission_once"),
        ]


class CampaignStat(models.Model):
    """Tallies of one desa: families and members per outcome and review state (DESIGN §4).

    `proposal` rows count usulan baru (outcome empty). Rebuilt for a desa inside the
    transaction of every write that touches it, so the progress pages sum a few thousand rows.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    desa = _region()
    kecamatan = _region()
    proposal = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, blank=True)
    review = models.CharField(max_length=10, blank=True)
    keluarga = models.PositiveIntegerField(default=0)
    jiwa = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["campaign", "kecamatan", "desa"])]


class DailyProgress(models.Model):
    """The state of one kecamatan on one day (the last write of the day wins)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    kecamatan = _region()
    day = models.DateField()
    in_scope_keluarga = models.PositiveIntegerField(default=0)
    in_scope_jiwa = models.PositiveIntegerField(default=0)
    verified_keluarga = models.PositiveIntegerField(default=0)
    verified_jiwa = models.PositiveIntegerField(default=0)
    approved_keluarga = models.PositiveIntegerField(default=0)
    approved_jiwa = models.PositiveIntegerField(default=0)
    removed_keluarga = models.PositiveIntegerField(default=0)
    removed_jiwa = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kecamatan", "day"],
                                    name="daily_progress_once"),
        ]


class TargetList(models.Model):
    """A frozen list of target families, fixed by a regent's decree (SK Bupati)."""

    name = models.CharField(_("nama"), max_length=150)
    year = models.PositiveSmallIntegerField(_("tahun"))
    campaign = models.OneToOneField(Campaign, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="target_list")
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("daftar sebelumnya"))
    sk_number = models.CharField(_("nomor SK Bupati"), max_length=100)
    sk_date = models.DateField(_("tanggal SK"))
    keluarga = models.PositiveIntegerField(default=0)
    jiwa = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sk_number})"


class TargetListEntry(models.Model):
    """One family of a target list, as it stood when the list was fixed."""

    target_list = models.ForeignKey(TargetList, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(max_length=80)  # "p3ke:P3513…" or "usulan:12": compares lists
    family = models.ForeignKey("registry.Family", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    desa = _region()
    kecamatan = _region()
    kepala_keluarga = models.CharField(max_length=150)
    no_kk = models.CharField(max_length=16, blank=True)
    jiwa = models.PositiveSmallIntegerField(default=0)
    desil = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, blank=True)

    objects = PersonalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target_list", "key"], name="target_entry_once"),
        ]
        indexes = [
            models.Index(fields=["target_list", "kecamatan", "desa"]),
            # "is this family on list L": one index probe. Without it, and before the planner
            # has statistics of a new list, PostgreSQL ANDed the family_id and target_list_id
            # indexes once per intervention (the regency convergence page took 38 s).
            models.Index(fields=["target_list", "family"], name="target_entry_list_family"),
        ]


class ChangeRequest(models.Model):
    """A correction of a finalized verification: proposed, then approved or refused by the admin."""

    class State(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        APPROVED = "approved", _("Disetujui")
        REFUSED = "refused", _("Ditolak")

    verification = models.ForeignKey(Verification, on_delete=models.PROTECT,
                                     related_name="change_requests")
    changes = models.JSONField()  # {"outcome": …, "reason": …, "note": …}
    why = models.TextField(_("alasan perubahan"))
    # Evidence of the change (a letter, a death certificate, a photo): a PDF as sent, a photo
    # re-encoded, checked as the berita acara and the house photos are (verification/evidence).
    document = models.FileField(_("bukti"), upload_to="perubahan/%Y/", blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)


CaseQuerySet = AreaQueueQuerySet  # cross-area duplicate cases, by the area that may see both


class CrossAreaDuplicate(models.Model):
    """Kasus ganda lintas wilayah: an usulan baru whose NIK, KK or head matched a registry
    family outside the proposing user's area (DESIGN.md §10, "No oracle"). The desa is only
    told "already registered outside your area"; the case, with the details, waits in the
    queue of the smallest area that may see both the usulan and the family: their kecamatan,
    or the kabupaten when they lie in different kecamatan."""

    class State(models.TextChoices):
        OPEN = "open", _("Terbuka")
        SAME = "same", _("Keluarga yang sama")
        DIFFERENT = "different", _("Bukan keluarga yang sama")
        WITHDRAWN = "withdrawn", _("Usulan tidak cocok lagi")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE,
                                 related_name="cross_area_duplicates")
    family = models.ForeignKey("registry.Family", on_delete=models.PROTECT, related_name="+")
    desa = _region()  # the matched family's
    kecamatan = _region()
    area = _region()  # who may see the case: a kecamatan code, or the kabupaten's
    keys = models.JSONField(default=list)  # what matched: "no_kk", "nik", "kepala", "mirip"
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    note = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "family"],
                                               name="cross_area_duplicate_once")]
        indexes = [models.Index(fields=["area", "state"])]

    def __str__(self) -> str:
        return f"Kasus ganda {self.pk}: usulan {self.proposal_id} / keluarga {self.family_id}"
