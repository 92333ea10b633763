"""The registry: families (keluarga) and persons (individu) from P3KE, DTSEN, DTKS or local lists.

Coded columns are stored as the canonical codes of tepat.core.codes (`get_<field>_display()`
gives the Indonesian label). Every record knows the source batch that last wrote it. Personal
data is reached through `Family.objects.for_user(user)` / `Person.objects.for_user(user)`,
which scope by the user's area: a user with no area gets nothing. Their querysets check that a
scope was applied (tepat.registry.scoping).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tepat.core import codes
from tepat.core.identity import mask
from tepat.registry.scoping import PersonalQuerySet, ScopedQuerySet


class Source(models.TextChoices):
    P3KE = "p3ke", "P3KE"
    DTSEN = "dtsen", "DTSEN"
    DTKS = "dtks", "DTKS"
    LOCAL = "local", _("Daftar lokal")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Menunggu")
    RUNNING = "running", _("Berjalan")
    DONE = "done", _("Selesai")
    REJECTED = "rejected", _("Ditolak (ada kesalahan)")
    FAILED = "failed", _("Gagal")
    # The change set is built; nothing is written until an admin confirms (or cancels).
    AWAITING = "awaiting", _("Menunggu konfirmasi")
    CANCELLED = "cancelled", _("Dibatalkan")


class SourceBatch(models.Model):
    """One import of a source file pair: who, when, what, and what it changed."""

    source = models.CharField(max_length=8, choices=Source.choices)
    period = models.CharField(max_length=20, blank=True, help_text=_("mis. 2024-03 atau 2025Q2"))
    family_file_name = models.CharField(max_length=255, blank=True)
    family_file_sha256 = models.CharField(max_length=64, blank=True)
    person_file_name = models.CharField(max_length=255, blank=True)
    person_file_sha256 = models.CharField(max_length=64, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # host:pid of the process running the import; lets a later process see that it died
    worker = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    message = models.TextField(blank=True)
    families_total = models.PositiveIntegerField(default=0)
    persons_total = models.PositiveIntegerField(default=0)
    families_added = models.PositiveIntegerField(default=0)
    families_changed = models.PositiveIntegerField(default=0)
    families_unchanged = models.PositiveIntegerField(default=0)
    persons_added = models.PositiveIntegerField(default=0)
    persons_changed = models.PositiveIntegerField(default=0)
    persons_unchanged = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    flag_counts = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    error_report = models.CharField(max_length=255, blank=True)
    # The column mapping the files were read through (tepat.pipeline.mapping): {field: header},
    # a copy of the template's at the time (the template may change later); {} when none.
    mapping = models.JSONField(default=dict, blank=True)
    mapping_template = models.ForeignKey(
        "MappingTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the file would change (tepat.pipeline.changeset.summary), built before any write.
    changeset = models.JSONField(default=dict, blank=True)
    confirm_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk} {self.family_file_name}"


class MappingTemplate(models.Model):
    """A saved column mapping for files whose headers Tepat does not know: which column of the
    file holds which Tepat field. Applied by tepat.pipeline.mapping before validation."""

    name = models.CharField(_("nama templat"), max_length=80, unique=True)
    source = models.CharField(_("sumber data"), max_length=8, choices=Source.choices)
    mapping = models.JSONField(default=dict)  # {canonical field: the file's header}
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("templat pemetaan kolom")

    def __str__(self) -> str:
        return self.name


def _code_field(code_list: codes.CodeList, verbose: str) -> models.CharField:
    # The labels in the reader's language (the catalogue holds them: tepat.web.code_labels).
    return models.CharField(verbose, max_length=2, blank=True,
                            choices=[(code, _(label)) for code, label in code_list.choices])


class SourceRecord(models.Model):
    """What families and persons share: where the record came from and its quality flags."""

    source = models.CharField(max_length=8, choices=Source.choices)
    # Foreign keys without their own index (the composite indexes below serve the area
    # filters; every extra index slows the bulk import) and without a database constraint:
    # on PostgreSQL the deferred checks of 650k rows x 3 keys cost seconds at commit. The
    # importer checks every desa against the loaded regions before it writes; regions are only
    # ever added or renamed, never deleted, and batches are never deleted.
    batch = models.ForeignKey(
        SourceBatch, on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )
    desa = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )
    kecamatan = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )
    nik = models.CharField("NIK", max_length=64, blank=True, db_index=True)
    jenis_kelamin = _code_field(codes.JENIS_KELAMIN, _("jenis kelamin"))
    tanggal_lahir = models.DateField(_("tanggal lahir"), null=True, blank=True)
    pekerjaan = _code_field(codes.PEKERJAAN, _("pekerjaan"))
    pendidikan = _code_field(codes.PENDIDIKAN, _("pendidikan"))
    flags = models.TextField(blank=True, help_text=_("kode masalah kualitas data"))
    unknown_values = models.TextField(blank=True)
    row_hash = models.CharField(max_length=64)
    source_row = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    # The edition (batch) of this record's source, covering its desa, that no longer carried it:
    # "tidak ada di edisi terbaru". Null while the latest edition carries it. Never deleted
    # (DESIGN.md §10); it clears when a later edition carries the record again.
    absent_since = models.ForeignKey(
        SourceBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False, db_constraint=False,
    )

    objects = PersonalQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def nik_masked(self) -> str:
        return mask(self.nik)

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]


def nik_in(niks: object) -> models.Q:
    """Records whose NIK is one of `niks` and may be matched: a NIK flagged as mangled (its
    digits lost through Excel's number precision, issue 17 §2) is kept but never matches."""
    return models.Q(nik__in=niks) & ~models.Q(flags__contains="NIK_NUMBER_MANGLED")


def kk_in(numbers: object) -> models.Q:
    """Families whose No. KK is one of `numbers` and may be matched (never a mangled KK)."""
    return models.Q(no_kk__in=numbers) & ~models.Q(flags__contains="KK_NUMBER_MANGLED")


class Family(SourceRecord):
    source_family_id = models.CharField(_("ID keluarga"), max_length=64)
    desil = models.PositiveSmallIntegerField(_("desil"), null=True, blank=True, db_index=True)
    alamat = models.TextField(_("alamat"), blank=True)
    no_kk = models.CharField(_("No. KK"), max_length=64, blank=True, db_index=True)
    kepala_keluarga = models.TextField(_("kepala keluarga"), blank=True)
    padan_dukcapil = _code_field(codes.PADAN, _("padan Dukcapil"))
    kepemilikan_rumah = _code_field(codes.KEPEMILIKAN_RUMAH, _("kepemilikan rumah"))
    memiliki_simpanan = _code_field(codes.YA_TIDAK, _("memiliki simpanan/perhiasan/ternak"))
    jenis_atap = _code_field(codes.JENIS_ATAP, _("jenis atap"))
    jenis_dinding = _code_field(codes.JENIS_DINDING, _("jenis dinding"))
    jenis_lantai = _code_field(codes.JENIS_LANTAI, _("jenis lantai"))
    sumber_penerangan = _code_field(codes.SUMBER_PENERANGAN, _("sumber penerangan"))
    daya_terpasang = _code_field(codes.DAYA_TERPASANG, _("daya terpasang"))
    bahan_bakar_memasak = _code_field(codes.BAHAN_BAKAR_MEMASAK, _("bahan bakar memasak"))
    sumber_air_minum = _code_field(codes.SUMBER_AIR_MINUM, _("sumber air minum"))
    fasilitas_bab = _code_field(codes.FASILITAS_BAB, _("fasilitas buang air besar"))
    penerima_bpnt = _code_field(codes.YA_TIDAK, "penerima BPNT")
    penerima_bpum = _code_field(codes.YA_TIDAK, "penerima BPUM")
    penerima_bst = _code_field(codes.YA_TIDAK, "penerima BST")
    penerima_pkh = _code_field(codes.YA_TIDAK, "penerima PKH")
    penerima_sembako = _code_field(codes.YA_TIDAK, "penerima Sembako")
    penerima_pbi_jk = _code_field(codes.YA_TIDAK, "penerima PBI-JK")
    resiko_stunting = _code_field(codes.YA_TIDAK, _("risiko stunting"))
    member_count = models.PositiveSmallIntegerField(_("jumlah anggota"), default=0)

    class Meta:
        verbose_name = _("keluarga")
        verbose_name_plural = _("keluarga")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_family_id"], name="family_source_id")
        ]
        indexes = [
            models.Index(fields=["kecamatan", "desa", "desil"]),
            models.Index(fields=["desa", "kepala_keluarga"]),
            models.Index(fields=["kepala_keluarga"]),
            # The family list's flag filter reads only the few flagged rows (3 % of a regency)
            # instead of every family; partial, so the import maintains it only for those.
            models.Index(fields=["flags"], condition=~models.Q(flags=""),
                         name="family_flagged"),
        ]

    def __str__(self) -> str:
        return f"{self.kepala_keluarga} ({self.source_family_id})"

    @property
    def no_kk_masked(self) -> str:
        return mask(self.no_kk)


class Person(SourceRecord):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="members")
    source_person_id = models.CharField(_("ID individu"), max_length=64)
    nama = models.TextField(_("nama"), blank=True)
    hubungan = _code_field(codes.HUBUNGAN, _("hubungan dengan kepala keluarga"))
    status_kawin = _code_field(codes.STATUS_KAWIN, _("status kawin"))
    status_pekerjaan = _code_field(codes.STATUS_PEKERJAAN, _("status pekerjaan"))
    disabilitas = _code_field(codes.DISABILITAS, _("jenis disabilitas"))
    kelompok_usia = models.PositiveSmallIntegerField(_("kelompok usia"), null=True, blank=True)
    penerima_bpnt = _code_field(codes.YA_TIDAK, "penerima BPNT")
    penerima_bpum = _code_field(codes.YA_TIDAK, "penerima BPUM")
    penerima_bst = _code_field(codes.YA_TIDAK, "penerima BST")
    penerima_pkh = _code_field(codes.YA_TIDAK, "penerima PKH")
    penerima_sembako = _code_field(codes.YA_TIDAK, "penerima Sembako")
    penerima_pbi_jk = _code_field(codes.YA_TIDAK, "penerima PBI-JK")

    class Meta:
        verbose_name = _("individu")
        verbose_name_plural = _("individu")
        ordering = ["family_id", "hubungan", "tanggal_lahir"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_person_id"], name="person_source_id")
        ]
        indexes = [
            models.Index(fields=["kecamatan", "desa"]),
            # The family list's "a member is flagged" filter: the flagged persons' families.
            models.Index(fields=["flags", "family"], condition=~models.Q(flags=""),
                         name="person_flagged"),
        ]

    def __str__(self) -> str:
        return f"{self.nama} ({self.source_person_id})"


class EditionChange(models.TextChoices):
    """What an edition did to a record it carried (DESIGN.md §10)."""

    ADDED = "added", _("Baru")
    CHANGED = "changed", _("Berubah")
    MOVED = "moved", _("Pindah keluarga")  # persons only: another family than before
    RETURNED = "returned", _("Muncul lagi")  # was absent from an earlier edition
    SAME = "same", _("Tetap")


class FamilyEdition(models.Model):
    """What one edition (an import batch) said of one family: a row per family per batch that
    carried it. `data` holds the family's canonical values (and its members' source IDs) when
    the edition added or changed it; it is null when the values were those of the edition
    before, so that an unchanged re-import costs one narrow row per family."""

    batch = models.ForeignKey(
        SourceBatch, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="editions", db_index=False,
        db_constraint=False,
    )
    change = models.CharField(max_length=8, choices=EditionChange.choices)
    row_hash = models.CharField(max_length=64)
    data = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["family", "batch"], name="family_edition_once")
        ]


class PersonEdition(models.Model):
    """What one edition said of one person, as FamilyEdition: which family it put them in
    (`family`), and their values when added, changed or moved."""

    batch = models.ForeignKey(
        SourceBatch, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="editions", db_index=False,
        db_constraint=False,
    )
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    change = models.CharField(max_length=8, choices=EditionChange.choices)
    row_hash = models.CharField(max_length=64)
    data = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "batch"], name="person_edition_once")
        ]


class DesaStat(models.Model):
    """Families and persons per desa, source and desil: the dashboard's pre-aggregated counts.

    `families`, `persons` and `flagged_families` count current records only; records absent from
    the latest edition of their desa are counted apart. Rebuilt from the registry tables at the
    end of every import (in the same transaction), so
    dashboards read a few thousand rows instead of grouping the whole registry on every request.
    """

    source = models.CharField(max_length=8, choices=Source.choices)
    desa = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kecamatan = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    desil = models.PositiveSmallIntegerField(null=True)
    families = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    flagged_families = models.PositiveIntegerField(default=0)
    # Records "tidak ada di edisi terbaru": not counted above, shown apart.
    absent_families = models.PositiveIntegerField(default=0)
    absent_persons = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["kecamatan", "desa"])]
