"""Person clusters: which source records are one real person (DESIGN.md §10, issue 18).

Source records (registry persons of every source and edition) are never changed or deleted by
linkage: a `ClusterMember` row says which cluster a record belongs to. Cluster IDs stay stable
over re-runs (`tepat.linkage.engine.stable_clusters`). Pairs between the review and accept
thresholds wait as `LinkPair` rows in the queue of the kecamatan that holds both records (the
kabupaten's when they lie in two kecamatan). A decision is kept with the records' row hashes:
a rejected pair comes back only when one of its records changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tepat.registry.scoping import AreaQueueQuerySet, PersonalQuerySet


class LinkModel(models.Model):
    """A trained Splink model (its JSON, as Splink saves it), kept with the instance. The latest
    is the one in force."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    model = models.JSONField()
    indonesian = models.BooleanField(default=True)
    records = models.PositiveIntegerField(default=0)
    accept_threshold = models.FloatField()
    review_threshold = models.FloatField()
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Model kaitan #{self.pk} ({self.created_at:%Y-%m-%d})"


class LinkRun(models.Model):
    """One training or linking job, with its progress and figures."""

    class Kind(models.TextChoices):
        TRAIN = "train", _("Latih model")
        FULL = "full", _("Kaitkan semua rekaman")
        INCREMENTAL = "incremental", _("Kaitkan rekaman baru")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    model = models.ForeignKey(LinkModel, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=120, blank=True)
    records = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)
    auto_links = models.PositiveIntegerField(default=0)
    review_pairs = models.PositiveIntegerField(default=0)
    clusters = models.PositiveIntegerField(default=0)
    changed_members = models.PositiveIntegerField(default=0)
    timings = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ClusterMember(models.Model):
    """The cluster of one registry person record. `alone`: a person unmerged it from its
    cluster; automatic links no longer reach it (only an accepted pair does)."""

    person = models.OneToOneField("registry.Person", on_delete=models.CASCADE,
                                  related_name="cluster_member", db_constraint=False)
    source = models.CharField(max_length=8)
    record_id = models.CharField(max_length=64)
    cluster = models.BigIntegerField(db_index=True)
    probability = models.FloatField(null=True, blank=True)  # the best link into the cluster
    record_hash = models.CharField(max_length=64, blank=True)
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_index=False, db_constraint=False)
    desa = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                             db_index=False, db_constraint=False)
    alone = models.BooleanField(default=False)
    previous_cluster = models.BigIntegerField(null=True, blank=True)  # before an unmerge
    run = models.ForeignKey(LinkRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+", db_constraint=False, db_index=False)

    objects = PersonalQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["kecamatan", "desa"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id} → K{self.cluster}"


class LinkPair(models.Model):
    """Two records the model is unsure about (between the review and accept thresholds), or a
    pair a person decided on (a manual merge is an accepted pair)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Menunggu keputusan")
        ACCEPTED = "accepted", _("Orang yang sama")
        REJECTED = "rejected", _("Bukan orang yang sama")
        UNSURE = "unsure", _("Belum yakin")

    left = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+",
                             db_constraint=False)
    right = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+",
                              db_constraint=False)
    left_hash = models.CharField(max_length=64, blank=True)
    right_hash = models.CharField(max_length=64, blank=True)
    match_probability = models.FloatField(null=True, blank=True)
    match_weight = models.FloatField(null=True, blank=True)
    comparisons = models.JSONField(default=list, blank=True)
    area = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    manual = models.BooleanField(default=False)
    merged = models.JSONField(default=dict, blank=True)  # {"from": K, "into": K, "persons": [..]}
    version = models.PositiveIntegerField(default=1)
    note = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(LinkRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")

    objects = AreaQueueQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="link_pair_once"),
            models.CheckConstraint(condition=models.Q(left__lt=models.F("right")),
                                   name="link_pair_ordered"),
        ]
        indexes = [models.Index(fields=["area", "state"])]

    def __str__(self) -> str:
        return f"Pasangan {self.pk}: {self.left_id} / {self.right_id}"


class ListRecord(models.Model):
    """One row of an agency's beneficiary or disbursement list, as a person record of the
    linkage (issue 18 §1): the registry person it was linked to (by NIK, by the model, or by a
    person deciding a waiting row), whose cluster it joins. The list's own row is never changed;
    a row linked to a family but no person (by No. KK) or to nobody yet is a cluster of its own
    in the export. `list_key` names the list ("opd-12": upload 12), `record_id` the row."""

    list_key = models.CharField(max_length=40)
    list_label = models.CharField(max_length=300, blank=True)
    record_id = models.CharField(max_length=64)
    person = models.ForeignKey("registry.Person", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    family_id = models.BigIntegerField(null=True, blank=True)
    by = models.CharField(max_length=8, blank=True)  # nik | kk | model | manual | "" (waiting)
    probability = models.FloatField(null=True, blank=True)
    kecamatan = models.ForeignKey("regions.Region", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", db_index=False,
                                  db_constraint=False)
    desa = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", db_index=False, db_constraint=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonalQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["list_key", "record_id"],
                                               name="list_record_once")]
        indexes = [models.Index(fields=["person"]), models.Index(fields=["kecamatan", "desa"])]

    def __str__(self) -> str:
        return f"{self.list_key}:{self.record_id}"
