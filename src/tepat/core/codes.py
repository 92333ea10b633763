"""Canonical code lists for the coded columns of P3KE and DTSEN files.

One code system for both sources: the Regsosek/DTSEN numeric codes. P3KE exports carry text
labels ("Tamat SD/Sederajat", "Listrik PLN meteran"); each code lists the labels seen for it so
that a P3KE label and a DTSEN code land on the same stored code. The Indonesian label is what the
UI shows; the code is what the database stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def normalize_label(raw: object) -> str:
    """Lower-case, drop punctuation, collapse spaces.

    'Tamat SD / Sederajat' -> 'tamat sd sederajat'
    """
    text = str(raw).strip().lower()
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeList:
    name: str
    codes: tuple[Code, ...]
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for item in self.codes:
            for key in (item.code, item.label, *item.aliases):
                self._lookup[normalize_label(key)] = item.code
            if item.code.isdigit():  # "1" and "01" and "1.0" mean the same code
                self._lookup[str(int(item.code))] = item.code
                self._lookup[f"{int(item.code)} 0"] = item.code

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(item.code, item.label) for item in self.codes]

    def label(self, code: str | None) -> str:
        for item in self.codes:
            if item.code == code:
                return item.label
        return ""

    def lookup(self, raw: object) -> str | None:
        """The code for a raw cell value (a code, a label or a known variant), or None."""
        if raw is None:
            return None
        return self._lookup.get(normalize_label(raw))

    def mapping(self) -> dict[str, str]:
        """Normalised raw value -> code, for vectorised lookups in the pipeline."""
        return dict(self._lookup)


def _list(name: str, *items: tuple) -> CodeList:
    return CodeList(name, tuple(Code(c, label, tuple(aliases)) for c, label, *aliases in items))


YA_TIDAK = _list(
    "ya_tidak",
    ("1", "Ya", "y", "iya", "penerima", "ada", "true", "benar"),
    ("0", "Tidak", "t", "bukan penerima", "tidak ada", "false", "salah", "2"),
)

PADAN = _list(
    "padan_dukcapil",
    ("1", "Padan", "ya", "sudah padan", "padan dukcapil"),
    ("0", "Tidak padan", "tidak", "belum padan", "tidak padan dukcapil"),
)

JENIS_KELAMIN = _list(
    "jenis_kelamin",
    ("1", "Laki-laki", "l", "lk", "laki laki", "pria", "male", "m"),
    ("2", "Perempuan", "p", "pr", "wanita", "female", "f"),
)

HUBUNGAN = _list(
    "hubungan_dengan_kepala_keluarga",
    ("1", "Kepala keluarga", "kepala rumah tangga", "krt", "kk", "kepala", "kepala kel"),
    ("2", "Istri/suami", "istri", "suami", "isteri", "pasangan", "suami/istri", "suami/isteri",
     "isteri/suami", "suami istri"),
    ("3", "Anak", "anak kandung", "anak tiri", "anak angkat", "anak kandung/tiri/angkat"),
    (
        "4",
        "Menantu",
    ),
    (
        "5",
        "Cucu",
    ),
    ("6", "Orang tua/mertua", "orang tua", "mertua", "ayah", "ibu", "orang tua/ mertua",
     "ortu"),
    ("7", "Famili lain", "famili", "saudara", "keluarga lain", "famili lainnya"),
    ("8", "Lainnya", "lain lain", "pembantu", "pembantu rumah tangga", "lain-lain"),
)

STATUS_KAWIN = _list(
    "status_kawin",
    ("1", "Belum kawin", "belum menikah", "lajang"),
    ("2", "Kawin", "menikah", "kawin tercatat", "kawin belum tercatat"),
    (
        "3",
        "Cerai hidup",
    ),
    (
        "4",
        "Cerai mati",
    ),
)

PENDIDIKAN = _list(
    "pendidikan",
    ("1", "Tidak/belum sekolah", "tidak sekolah", "belum sekolah", "tidak belum sekolah"),
    (
        "2",
        "Tidak tamat SD/sederajat",
        "belum tamat sd sederajat",
        "tidak tamat sd",
        "sd tidak tamat",
    ),
    ("3", "Tamat SD/sederajat", "sd", "sd sederajat", "tamat sd"),
    ("4", "SLTP/sederajat", "smp", "smp sederajat", "sltp", "tamat smp"),
    ("5", "SLTA/sederajat", "sma", "sma sederajat", "slta", "smk", "tamat sma"),
    ("6", "Diploma I/II/III", "diploma", "d1", "d2", "d3", "akademi diploma iii s muda"),
    ("7", "Diploma IV/Strata I", "d4", "s1", "strata i", "sarjana", "diploma iv strata i"),
    ("8", "Strata II/III", "s2", "s3", "strata ii", "strata iii", "pascasarjana"),
)

PEKERJAAN = _list(
    "pekerjaan",
    ("01", "Tidak/belum bekerja", "tidak bekerja", "belum bekerja", "belum tidak bekerja"),
    ("02", "Mengurus rumah tangga", "ibu rumah tangga", "irt"),
    ("03", "Pelajar/mahasiswa", "pelajar", "mahasiswa", "sekolah"),
    ("04", "Petani/pekebun", "petani", "pekebun", "peternak"),
    ("05", "Buruh tani/perkebunan", "buruh tani", "buruh perkebunan"),
    ("06", "Nelayan/perikanan", "nelayan", "buruh nelayan"),
    ("07", "Buruh harian lepas", "buruh", "buruh harian", "buruh lepas", "serabutan"),
    ("08", "Pedagang", "pedagang kecil", "dagang"),
    ("09", "Wiraswasta", "usaha sendiri"),
    ("10", "Karyawan swasta", "karyawan", "pegawai swasta"),
    ("11", "PNS/ASN/PPPK", "pns", "asn", "pppk", "pegawai negeri sipil"),
    ("12", "TNI/Polri", "tni", "polri", "polisi"),
    ("13", "Pensiunan", "purnawirawan"),
    ("14", "Sopir/ojek", "sopir", "ojek", "supir", "pengemudi"),
    ("15", "Tukang/pekerja bangunan", "tukang", "tukang batu", "tukang kayu", "kuli bangunan"),
    ("99", "Lainnya", "lain lain", "lain"),
)

KEPEMILIKAN_RUMAH = _list(
    "kepemilikan_rumah",
    ("1", "Milik sendiri", "sendiri", "milik pribadi"),
    ("2", "Kontrak/sewa", "kontrak", "sewa"),
    ("3", "Bebas sewa/menumpang", "bebas sewa", "menumpang", "numpang", "milik orang tua"),
    ("4", "Dinas", "rumah dinas"),
    ("5", "Lainnya", "lain lain"),
)

JENIS_ATAP = _list(
    "jenis_atap",
    ("1", "Beton", "beton genteng beton", "dak"),
    ("2", "Genteng", "genteng tanah liat", "genteng keramik", "genteng metal", "genteng"),
    ("3", "Seng", "seng gelombang"),
    (
        "4",
        "Asbes",
    ),
    (
        "5",
        "Bambu",
    ),
    ("6", "Kayu/sirap", "kayu", "sirap"),
    ("7", "Jerami/ijuk/daun-daunan/rumbia", "jerami", "ijuk", "daun daunan", "rumbia", "daun"),
    ("8", "Lainnya", "lain lain"),
)

JENIS_DINDING = _list(
    "jenis_dinding",
    ("1", "Tembok", "tembok plester", "batu bata", "bata"),
    ("2", "Plesteran anyaman bambu/kawat", "plesteran anyaman bambu", "setengah tembok"),
    ("3", "Kayu/papan", "kayu", "papan", "kayu papan gypsum grc calciboard"),
    ("4", "Anyaman bambu", "gedek", "bilik"),
    (
        "5",
        "Batang kayu",
    ),
    (
        "6",
        "Bambu",
    ),
    ("7", "Lainnya", "lain lain"),
)

JENIS_LANTAI = _list(
    "jenis_lantai",
    ("1", "Marmer/granit", "marmer", "granit"),
    (
        "2",
        "Keramik",
    ),
    ("3", "Parket/vinil/karpet", "parket", "vinil", "karpet"),
    ("4", "Ubin/tegel/teraso", "ubin", "tegel", "teraso"),
    ("5", "Kayu/papan", "kayu", "papan"),
    ("6", "Semen/bata merah", "semen", "bata merah", "plester"),
    (
        "7",
        "Bambu",
    ),
    (
        "8",
        "Tanah",
    ),
    ("9", "Lainnya", "lain lain"),
)

SUMBER_AIR_MINUM = _list(
    "sumber_air_minum",
    ("01", "Air kemasan bermerk", "air kemasan", "air mineral"),
    ("02", "Air isi ulang", "isi ulang"),
    ("03", "Leding", "ledeng", "pam", "pdam", "leding meteran", "leding eceran"),
    ("04", "Sumur bor/pompa", "sumur bor", "pompa", "sumur pompa"),
    (
        "05",
        "Sumur terlindung",
    ),
    ("06", "Sumur tak terlindung", "sumur tidak terlindung"),
    (
        "07",
        "Mata air terlindung",
    ),
    ("08", "Mata air tak terlindung", "mata air tidak terlindung"),
    ("09", "Air permukaan (sungai/danau/waduk/kolam/irigasi)", "air sungai", "sungai", "danau"),
    (
        "10",
        "Air hujan",
    ),
    ("11", "Lainnya", "lain lain"),
)

SUMBER_PENERANGAN = _list(
    "sumber_penerangan",
    ("1", "Listrik PLN meteran", "listrik pln dengan meteran", "pln meteran", "listrik pln"),
    ("2", "Listrik PLN tanpa meteran", "pln tanpa meteran", "listrik menumpang"),
    ("3", "Listrik non-PLN", "listrik non pln", "genset", "tenaga surya"),
    ("4", "Bukan listrik", "pelita", "lampu minyak", "petromak", "tidak ada listrik"),
)

DAYA_TERPASANG = _list(
    "daya_terpasang",
    ("0", "Tidak ada meteran", "tanpa meteran"),
    ("1", "450 watt", "450", "450 va"),
    ("2", "900 watt", "900", "900 va"),
    ("3", "1.300 watt", "1300", "1300 va", "1 300 watt"),
    ("4", "2.200 watt", "2200", "2200 va", "2 200 watt"),
    ("5", "Lebih dari 2.200 watt", "diatas 2200", "lebih dari 2200"),
)

BAHAN_BAKAR_MEMASAK = _list(
    "bahan_bakar_memasak",
    ("00", "Tidak memasak di rumah", "tidak memasak"),
    (
        "01",
        "Listrik",
    ),
    ("02", "Gas elpiji 5,5 kg/blue gaz", "elpiji 5 5 kg", "gas 5 5 kg"),
    ("03", "Gas elpiji 12 kg", "elpiji 12 kg", "gas 12 kg"),
    ("04", "Gas elpiji 3 kg", "elpiji 3 kg", "gas 3 kg", "gas elpiji", "gas lpg", "lpg"),
    ("05", "Gas kota/meteran PGN", "gas kota", "pgn"),
    (
        "06",
        "Biogas",
    ),
    (
        "07",
        "Minyak tanah",
    ),
    (
        "08",
        "Briket",
    ),
    (
        "09",
        "Arang",
    ),
    ("10", "Kayu bakar", "kayu"),
    ("11", "Lainnya", "lain lain"),
)

FASILITAS_BAB = _list(
    "memiliki_fasilitas_buang_air_besar",
    ("1", "Ada, milik sendiri", "sendiri", "ya", "ada", "milik sendiri", "ya dengan septic tank"),
    ("2", "Ada, milik bersama", "bersama", "milik bersama", "jamban bersama"),
    ("3", "Ada, MCK umum/komunal", "umum", "mck umum", "mck komunal", "komunal"),
    ("4", "Tidak ada", "tidak", "tidak memiliki", "tidak ada jamban"),
)

DISABILITAS = _list(
    "jenis_disabilitas",
    ("0", "Tidak ada", "tidak", "non disabilitas"),
    ("1", "Disabilitas fisik", "fisik"),
    ("2", "Disabilitas intelektual", "intelektual"),
    ("3", "Disabilitas mental", "mental"),
    ("4", "Disabilitas sensorik", "sensorik"),
    ("5", "Disabilitas ganda", "ganda", "multi"),
)

STATUS_PEKERJAAN = _list(
    "status_pekerjaan",
    (
        "1",
        "Berusaha sendiri",
    ),
    (
        "2",
        "Berusaha dibantu buruh tidak tetap/tidak dibayar",
    ),
    (
        "3",
        "Berusaha dibantu buruh tetap/dibayar",
    ),
    ("4", "Buruh/karyawan/pegawai swasta", "buruh karyawan pegawai"),
    ("5", "PNS/TNI/Polri/BUMN/BUMD/pejabat negara", "pns tni polri"),
    (
        "6",
        "Pekerja bebas pertanian",
    ),
    (
        "7",
        "Pekerja bebas nonpertanian",
    ),
    ("8", "Pekerja keluarga/tidak dibayar", "pekerja keluarga"),
)

DESIL = _list("desil", *((str(d), f"Desil {d}", f"desil {d}") for d in range(1, 11)))

CODE_LISTS: dict[str, CodeList] = {
    cl.name: cl
    for cl in (
        YA_TIDAK,
        PADAN,
        JENIS_KELAMIN,
        HUBUNGAN,
        STATUS_KAWIN,
        PENDIDIKAN,
        PEKERJAAN,
        KEPEMILIKAN_RUMAH,
        JENIS_ATAP,
        JENIS_DINDING,
        JENIS_LANTAI,
        SUMBER_AIR_MINUM,
        SUMBER_PENERANGAN,
        DAYA_TERPASANG,
        BAHAN_BAKAR_MEMASAK,
        FASILITAS_BAB,
        DISABILITAS,
        STATUS_PEKERJAAN,
        DESIL,
    )
}

# Programme flags carried by families and persons (P3KE "penerima_*" columns).
PROGRAMME_FLAGS: tuple[str, ...] = (
    "penerima_bpnt",
    "penerima_bpum",
    "penerima_bst",
    "penerima_pkh",
    "penerima_sembako",
)

SOURCES: dict[str, str] = {
    "p3ke": "P3KE (Kemenko PMK)",
    "dtsen": "DTSEN (BPS/Kemensos)",
    "dtks": "DTKS (Kemensos)",
    "local": "Daftar lokal",
}
