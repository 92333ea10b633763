"""Column layouts of the source files Tepat reads and the synthetic generator writes.

Each column of a source file maps to one canonical field (the name the registry stores it under).
`header` is the column name of a clean export (DESIGN.md §8); `labels` are the Indonesian labels
real downloads carry instead ("ID Keluarga P3KE", "Desil Kesejahteraan"). The pipeline's header
mapper accepts any of them, whatever the case, spacing or underscores.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tepat.core.codes import CODE_LISTS


class Kind(StrEnum):
    ID = "id"  # identifier, read as text, required and unique within the file
    REF = "ref"  # reference to the family ID (person files)
    TEXT = "text"
    NIK = "nik"  # 16-digit number, read as text, checked by tepat.core.identity
    DATE = "date"
    CODE = "code"  # value from a code list in tepat.core.codes
    REGION = "region"  # Kemendagri desa code
    INT = "int"


class Unit(StrEnum):
    FAMILY = "keluarga"
    PERSON = "individu"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: Kind
    code_list: str = ""
    required: bool = False
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind is Kind.CODE and self.code_list not in CODE_LISTS:
            raise ValueError(f"unknown code list {self.code_list!r} for {self.field}")


@dataclass(frozen=True)
class Layout:
    source: str
    unit: Unit
    columns: tuple[Column, ...]

    @property
    def id_column(self) -> Column:
        return next(c for c in self.columns if c.kind is Kind.ID)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


def _code(field: str, header: str, code_list: str, *labels: str) -> Column:
    return Column(field, header, Kind.CODE, code_list, labels=labels)


# The labels village downloads give the person columns (issue 17 §1); a group label merged
# over two-row headers joins its sub-header ("Tanggal" over "Lahir": "Tanggal Lahir").
_NIK_LABELS = ("NIK", "NIK Anggota", "NIK Anggota Keluarga", "Nomor Induk Kependudukan", "No NIK")
_NAME_LABELS = (
    "Nama", "Nama Lengkap", "Nama Anggota", "Nama Anggota Keluarga",
    "Nama ART", "Nama Individu",
)
_HUBUNGAN_LABELS = (
    "Hubungan Dengan Kepala Keluarga",
    "Hubungan Keluarga",
    "Hubungan",
    "Hubungan Dgn KK",
    "Hubungan Dengan KK",
    "Hub Dgn KK",
    "Hub KK",
    "SHDK",
    "Status Hubungan Dalam Keluarga",
    "Hubungan Dengan Kepala Rumah Tangga",
)
_SEX_LABELS = ("Jenis Kelamin", "JK", "L/P", "Kelamin")
_BIRTH_LABELS = ("Tanggal Lahir", "Tgl Lahir", "Tgl. Lahir", "Tanggal Lahir (DD/MM/YYYY)")
_KK_LABELS = (
    "No KK", "Nomor KK", "nomor_kk", "No. KK", "No Kartu Keluarga", "Nomor Kartu Keluarga",
    "No. Kartu Keluarga", "NKK",
)

_PROGRAMME_COLUMNS = (
    _code("penerima_bpnt", "penerima_bpnt", "ya_tidak", "Penerima BPNT"),
    _code("penerima_bpum", "penerima_bpum", "ya_tidak", "Penerima BPUM"),
    _code("penerima_bst", "penerima_bst", "ya_tidak", "Penerima BST"),
    _code("penerima_pkh", "penerima_pkh", "ya_tidak", "Penerima PKH"),
    _code("penerima_sembako", "penerima_sembako", "ya_tidak", "Penerima Sembako"),
)

# Age-band flags of the P3KE individual file, in order; stored as one age-band code.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("usia_dibawah_7_tahun", 0, 6),
    ("usia_7_12", 7, 12),
    ("usia_13_15", 13, 15),
    ("usia_16_18", 16, 18),
    ("usia_19_21", 19, 21),
    ("usia_22_59", 22, 59),
    ("usia_60_tahun_keatas", 60, 200),
)

P3KE_FAMILY = Layout(
    "p3ke",
    Unit.FAMILY,
    (
        Column(
            "source_family_id",
            "id_keluarga_p3ke",
            Kind.ID,
            required=True,
            labels=("ID Keluarga P3KE", "ID Keluarga", "id_keluarga"),
        ),
        Column("provinsi", "provinsi", Kind.TEXT, labels=("Provinsi",)),
        Column("kabupaten_kota", "kabupaten_kota", Kind.TEXT, labels=("Kabupaten/Kota",)),
        Column("kecamatan", "kecamatan", Kind.TEXT, labels=("Kecamatan",)),
        Column("desa_kelurahan", "desa_kelurahan", Kind.TEXT, labels=("Desa/Kelurahan",)),
        Column(
            "kode_kemdagri",
            "kode_kemdagri",
            Kind.REGION,
            required=True,
            labels=("Kode Kemendagri", "Kode Kemdagri", "Kode Wilayah", "kode_desa"),
        ),
        Column(
            "desil",
            "desil_kesejahteraan",
            Kind.CODE,
            "desil",
            required=True,
            labels=("Desil Kesejahteraan", "Desil"),
        ),
        Column("alamat", "alamat", Kind.TEXT, labels=("Alamat",)),
        Column("no_kk", "no_kk", Kind.NIK, labels=_KK_LABELS),
        Column(
            "kepala_keluarga",
            "kepala_keluarga",
            Kind.TEXT,
            labels=("Kepala Keluarga", "Nama Kepala Keluarga"),
        ),
        Column("nik", "nik", Kind.NIK, labels=("NIK", "NIK Kepala Keluarga")),
        _code("padan_dukcapil", "padan_dukcapil", "padan_dukcapil", "Padan Dukcapil"),
        _code("jenis_kelamin", "jenis_kelamin", "jenis_kelamin", "Jenis Kelamin"),
        Column("tanggal_lahir", "tanggal_lahir", Kind.DATE, labels=("Tanggal Lahir",)),
        _code("pekerjaan", "pekerjaan", "pekerjaan", "Pekerjaan"),
        _code("pendidikan", "pendidikan", "pendidikan", "Pendidikan"),
        _code("kepemilikan_rumah", "kepemilikan_rumah", "kepemilikan_rumah", "Kepemilikan Rumah"),
        _code(
            "memiliki_simpanan",
            "memiliki_simpanan_uang_perhiasan_ternak_lainnya",
            "ya_tidak",
            "Memiliki Simpanan Uang/Perhiasan/Ternak/Lainnya",
        ),
        _code("jenis_atap", "jenis_atap", "jenis_atap", "Jenis Atap"),
        _code("jenis_dinding", "jenis_dinding", "jenis_dinding", "Jenis Dinding"),
        _code("jenis_lantai", "jenis_lantai", "jenis_lantai", "Jenis Lantai"),
        _code("sumber_penerangan", "sumber_penerangan", "sumber_penerangan", "Sumber Penerangan"),
        _code(
            "bahan_bakar_memasak",
            "bahan_bakar_memasak",
            "bahan_bakar_memasak",
            "Bahan Bakar Memasak",
        ),
        _code("sumber_air_minum", "sumber_air_minum", "sumber_air_minum", "Sumber Air Minum"),
        _code(
            "fasilitas_bab",
            "memiliki_fasilitas_buang_air_besar",
            "memiliki_fasilitas_buang_air_besar",
            "Memiliki Fasilitas Buang Air Besar",
        ),
        *_PROGRAMME_COLUMNS,
        _code(
            "resiko_stunting", "resiko_stunting", "ya_tidak", "Resiko Stunting", "Risiko Stunting"
        ),
    ),
)

P3KE_PERSON = Layout(
    "p3ke",
    Unit.PERSON,
    (
        Column(
            "source_family_id",
            "id_keluarga_p3ke",
            Kind.REF,
            required=True,
            labels=("ID Keluarga P3KE", "ID Keluarga", "id_keluarga"),
        ),
        Column(
            "source_person_id",
            "id_individu",
            Kind.ID,
            required=True,
            labels=("ID Individu", "ID Individu P3KE", "id_individu_p3ke"),
        ),
        Column("nik", "nik", Kind.NIK, labels=_NIK_LABELS),
        Column("nama", "nama", Kind.TEXT, labels=_NAME_LABELS),
        _code(
            "hubungan",
            "hubungan_dengan_kepala_keluarga",
            "hubungan_dengan_kepala_keluarga",
            *_HUBUNGAN_LABELS,
        ),
        _code("jenis_kelamin", "jenis_kelamin", "jenis_kelamin", *_SEX_LABELS),
        Column("tanggal_lahir", "tanggal_lahir", Kind.DATE, labels=_BIRTH_LABELS),
        _code("status_kawin", "status_kawin", "status_kawin", "Status Kawin", "Status Perkawinan"),
        _code("pekerjaan", "pekerjaan", "pekerjaan", "Pekerjaan"),
        _code("pendidikan", "pendidikan", "pendidikan", "Pendidikan"),
        *(
            _code(name, name, "ya_tidak", name.replace("_", " ").title())
            for name, _, _ in AGE_BANDS
        ),
        *_PROGRAMME_COLUMNS,
    ),
)

DTSEN_FAMILY = Layout(
    "dtsen",
    Unit.FAMILY,
    (
        Column(
            "source_family_id",
            "id_keluarga_dtsen",
            Kind.ID,
            required=True,
            labels=("ID Keluarga DTSEN", "ID Keluarga", "id_keluarga"),
        ),
        Column(
            "kode_kemdagri",
            "kode_kemdagri",
            Kind.REGION,
            required=True,
            labels=("Kode Kemendagri", "Kode Wilayah", "kode_desa"),
        ),
        Column(
            "desil",
            "desil_nasional",
            Kind.CODE,
            "desil",
            required=True,
            labels=("Desil Nasional", "Desil"),
        ),
        Column("alamat", "alamat", Kind.TEXT, labels=("Alamat",)),
        Column("no_kk", "no_kk", Kind.NIK, labels=_KK_LABELS),
        Column(
            "kepala_keluarga",
            "nama_kepala_keluarga",
            Kind.TEXT,
            labels=("Nama Kepala Keluarga", "kepala_keluarga"),
        ),
        Column("nik", "nik_kepala_keluarga", Kind.NIK, labels=("NIK Kepala Keluarga",)),
        _code(
            "jenis_kelamin",
            "jenis_kelamin_kepala_keluarga",
            "jenis_kelamin",
            "Jenis Kelamin Kepala Keluarga",
        ),
        Column(
            "tanggal_lahir",
            "tanggal_lahir_kepala_keluarga",
            Kind.DATE,
            labels=("Tanggal Lahir Kepala Keluarga",),
        ),
        _code(
            "kepemilikan_rumah",
            "status_kepemilikan_bangunan",
            "kepemilikan_rumah",
            "Status Kepemilikan Bangunan",
        ),
        _code("jenis_lantai", "jenis_lantai_terluas", "jenis_lantai", "Jenis Lantai Terluas"),
        _code("jenis_dinding", "jenis_dinding_terluas", "jenis_dinding", "Jenis Dinding Terluas"),
        _code("jenis_atap", "jenis_atap_terluas", "jenis_atap", "Jenis Atap Terluas"),
        _code(
            "sumber_air_minum",
            "sumber_air_minum_utama",
            "sumber_air_minum",
            "Sumber Air Minum Utama",
        ),
        _code(
            "sumber_penerangan",
            "sumber_penerangan_utama",
            "sumber_penerangan",
            "Sumber Penerangan Utama",
        ),
        _code("daya_terpasang", "daya_terpasang", "daya_terpasang", "Daya Terpasang"),
        _code(
            "bahan_bakar_memasak",
            "bahan_bakar_utama_memasak",
            "bahan_bakar_memasak",
            "Bahan Bakar Utama Memasak",
        ),
        _code(
            "fasilitas_bab",
            "fasilitas_bab",
            "memiliki_fasilitas_buang_air_besar",
            "Fasilitas Buang Air Besar",
        ),
    ),
)

DTSEN_PERSON = Layout(
    "dtsen",
    Unit.PERSON,
    (
        Column(
            "source_family_id",
            "id_keluarga_dtsen",
            Kind.REF,
            required=True,
            labels=("ID Keluarga DTSEN", "ID Keluarga", "id_keluarga"),
        ),
        Column(
            "source_person_id",
            "id_individu_dtsen",
            Kind.ID,
            required=True,
            labels=("ID Individu DTSEN", "ID Individu", "id_individu"),
        ),
        Column("nik", "nik", Kind.NIK, labels=_NIK_LABELS),
        Column("nama", "nama", Kind.TEXT, labels=_NAME_LABELS),
        _code(
            "hubungan",
            "hubungan_dengan_kepala_keluarga",
            "hubungan_dengan_kepala_keluarga",
            *_HUBUNGAN_LABELS,
        ),
        _code("jenis_kelamin", "jenis_kelamin", "jenis_kelamin", *_SEX_LABELS),
        Column("tanggal_lahir", "tanggal_lahir", Kind.DATE, labels=_BIRTH_LABELS),
        _code("status_kawin", "status_perkawinan", "status_kawin", "Status Perkawinan"),
        _code("pendidikan", "ijazah_tertinggi", "pendidikan", "Ijazah Tertinggi"),
        _code("status_pekerjaan", "status_pekerjaan", "status_pekerjaan", "Status Pekerjaan"),
        _code("disabilitas", "jenis_disabilitas", "jenis_disabilitas", "Jenis Disabilitas"),
    ),
)

_PBI_JK = _code(
    "penerima_pbi_jk", "penerima_pbi_jk", "ya_tidak", "Penerima PBI-JK", "PBI JK", "PBI-JK", "PBI"
)
_DTKS_FLAGS = (
    _code("penerima_pkh", "penerima_pkh", "ya_tidak", "Penerima PKH", "PKH"),
    _code("penerima_bpnt", "penerima_bpnt", "ya_tidak", "Penerima BPNT", "BPNT"),
    _PBI_JK,
)

# Kemensos DTKS (Data Terpadu Kesejahteraan Sosial): a family (rumah tangga) file and a member
# file joined by ID DTKS. DTKS carries no desil: the registry stores none (null) for its families.
DTKS_FAMILY = Layout(
    "dtks",
    Unit.FAMILY,
    (
        Column(
            "source_family_id",
            "id_dtks",
            Kind.ID,
            required=True,
            labels=("ID DTKS", "IDDTKS", "ID Keluarga DTKS"),
        ),
        Column("provinsi", "provinsi", Kind.TEXT, labels=("Provinsi", "Nama Provinsi")),
        Column(
            "kabupaten_kota", "kabupaten_kota", Kind.TEXT, labels=("Kabupaten/Kota", "Nama Kab")
        ),
        Column("kecamatan", "kecamatan", Kind.TEXT, labels=("Kecamatan", "Nama Kecamatan")),
        Column("desa_kelurahan", "desa_kelurahan", Kind.TEXT, labels=("Desa/Kelurahan", "Desa")),
        Column(
            "kode_kemdagri",
            "kode_wilayah",
            Kind.REGION,
            required=True,
            labels=("Kode Wilayah", "Kode Desa", "kode_desa", "Kode Kemendagri", "kode_kemdagri"),
        ),
        Column("alamat", "alamat", Kind.TEXT, labels=("Alamat",)),
        Column(
            "no_kk",
            "no_kk",
            Kind.NIK,
            labels=("No KK", "Nomor KK", "nomor_kk", "No. KK", "Nomor Kartu Keluarga"),
        ),
        Column(
            "kepala_keluarga",
            "nama_krt",
            Kind.TEXT,
            labels=("Nama KRT", "Nama Kepala Rumah Tangga", "Nama Kepala Keluarga"),
        ),
        Column("nik", "nik_krt", Kind.NIK, labels=("NIK KRT", "NIK Kepala Keluarga")),
        _code("jenis_kelamin", "jenis_kelamin_krt", "jenis_kelamin", "Jenis Kelamin KRT"),
        Column(
            "tanggal_lahir", "tanggal_lahir_krt", Kind.DATE, labels=("Tanggal Lahir KRT",)
        ),
        *_DTKS_FLAGS,
    ),
)

DTKS_PERSON = Layout(
    "dtks",
    Unit.PERSON,
    (
        Column(
            "source_family_id",
            "id_dtks",
            Kind.REF,
            required=True,
            labels=("ID DTKS", "IDDTKS", "ID Keluarga DTKS"),
        ),
        Column(
            "source_person_id",
            "id_art_dtks",
            Kind.ID,
            required=True,
            labels=("ID ART DTKS", "ID ART", "ID Anggota", "ID Individu DTKS", "ID Individu"),
        ),
        Column("nik", "nik", Kind.NIK, labels=("NIK",)),
        Column("nama", "nama", Kind.TEXT, labels=("Nama", "Nama ART", "Nama Lengkap")),
        _code(
            "hubungan",
            "hubungan_keluarga",
            "hubungan_dengan_kepala_keluarga",
            "Hubungan Keluarga",
            "Hubungan Dengan Kepala Keluarga",
            "Hubungan Dengan KRT",
            "Hubungan",
        ),
        _code("jenis_kelamin", "jenis_kelamin", "jenis_kelamin", "Jenis Kelamin"),
        Column("tanggal_lahir", "tanggal_lahir", Kind.DATE, labels=("Tanggal Lahir",)),
        _code("status_kawin", "status_kawin", "status_kawin", "Status Kawin", "Status Perkawinan"),
        *_DTKS_FLAGS,
    ),
)

# "Daftar lokal": a list kept by the regency or a desa in its own shape, read through a column
# mapping (tepat.pipeline.mapping). One row per family (the family file alone) or one row per
# person (one file: the family's columns repeated on each member's row). Required: a family key
# (an ID of the list, or the No KK mapped to it) and the kode desa; desil is optional. When a
# one-row-per-person list has no person ID, the mapping synthesizes it (family key + position).
LOCAL_FAMILY = Layout(
    "local",
    Unit.FAMILY,
    (
        Column(
            "source_family_id",
            "id_keluarga",
            Kind.ID,
            required=True,
            labels=("ID Keluarga", "ID Keluarga Lokal", "ID"),
        ),
        Column(
            "kode_kemdagri",
            "kode_desa",
            Kind.REGION,
            required=True,
            labels=("Kode Desa", "Kode Wilayah", "Kode Kemendagri", "kode_kemdagri"),
        ),
        Column("desil", "desil", Kind.CODE, "desil", labels=("Desil", "Desil Kesejahteraan")),
        Column("alamat", "alamat", Kind.TEXT, labels=("Alamat",)),
        Column(
            "no_kk",
            "no_kk",
            Kind.NIK,
            labels=("No KK", "Nomor KK", "No. KK", "Nomor Kartu Keluarga", "KK"),
        ),
        Column(
            "kepala_keluarga",
            "kepala_keluarga",
            Kind.TEXT,
            labels=("Kepala Keluarga", "Nama Kepala Keluarga"),
        ),
        Column("nik", "nik_kepala_keluarga", Kind.NIK, labels=("NIK Kepala Keluarga",)),
        _code("jenis_kelamin", "jenis_kelamin_kepala_keluarga", "jenis_kelamin"),
        Column("tanggal_lahir", "tanggal_lahir_kepala_keluarga", Kind.DATE),
        *_PROGRAMME_COLUMNS,
        _PBI_JK,
    ),
)

LOCAL_PERSON = Layout(
    "local",
    Unit.PERSON,
    (
        Column(
            "source_family_id",
            "id_keluarga",
            Kind.REF,
            required=True,
            labels=("ID Keluarga", "ID Keluarga Lokal"),
        ),
        Column(
            "source_person_id", "id_individu", Kind.ID, required=True, labels=("ID Individu",)
        ),
        Column("nik", "nik", Kind.NIK, labels=("NIK",)),
        Column("nama", "nama", Kind.TEXT, labels=("Nama", "Nama Lengkap")),
        _code(
            "hubungan",
            "hubungan_dengan_kepala_keluarga",
            "hubungan_dengan_kepala_keluarga",
            "Hubungan Dengan Kepala Keluarga",
            "Hubungan Keluarga",
            "Hubungan",
        ),
        _code("jenis_kelamin", "jenis_kelamin", "jenis_kelamin", "Jenis Kelamin", "JK", "L/P"),
        Column("tanggal_lahir", "tanggal_lahir", Kind.DATE, labels=("Tanggal Lahir",)),
        _code("status_kawin", "status_kawin", "status_kawin", "Status Kawin"),
        _code("pekerjaan", "pekerjaan", "pekerjaan", "Pekerjaan"),
        _code("pendidikan", "pendidikan", "pendidikan", "Pendidikan"),
        *_PROGRAMME_COLUMNS,
        _PBI_JK,
    ),
)

LAYOUTS: dict[tuple[str, Unit], Layout] = {
    (layout.source, layout.unit): layout
    for layout in (
        P3KE_FAMILY,
        P3KE_PERSON,
        DTSEN_FAMILY,
        DTSEN_PERSON,
        DTKS_FAMILY,
        DTKS_PERSON,
        LOCAL_FAMILY,
        LOCAL_PERSON,
    )
}


def layout_for(source: str, unit: Unit) -> Layout:
    try:
        return LAYOUTS[(source, unit)]
    except KeyError:
        raise ValueError(f"no file layout for source {source!r} ({unit})") from None
