"""Write large P3KE-shaped xlsx files for benchmarking the pipeline (not a test module).

    uv run python tests/pipeline/bigfile.py /tmp/big 150000 500000

Values are plausible (real Probolinggo desa codes, NIKs built from the kecamatan code and the
birth date, text labels as P3KE exports carry them); they are not a model of the population.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

from tepat.core.layout import AGE_BANDS, P3KE_FAMILY, P3KE_PERSON
from tepat.core.regions import data_path

LABELS = {
    "pekerjaan": ["Petani/pekebun", "Buruh harian lepas", "Mengurus rumah tangga", "Wiraswasta"],
    "pendidikan": ["Tamat SD/Sederajat", "SLTP/Sederajat", "Tidak/Belum Sekolah", "SLTA/Sederajat"],
    "kepemilikan_rumah": ["Milik Sendiri", "Menumpang"],
    "jenis_atap": ["Genteng", "Seng", "Asbes"],
    "jenis_dinding": ["Tembok", "Bambu", "Kayu/Papan"],
    "jenis_lantai": ["Tanah", "Semen/Bata Merah", "Keramik"],
    "sumber_penerangan": ["Listrik PLN meteran", "Listrik PLN tanpa meteran"],
    "bahan_bakar_memasak": ["Kayu bakar", "Gas elpiji 3 kg"],
    "sumber_air_minum": ["Sumur terlindung", "Sumur bor/pompa", "Leding"],
    "memiliki_fasilitas_buang_air_besar": ["Ada, milik sendiri", "Tidak ada"],
    "status_kawin": ["Kawin", "Belum Kawin", "Cerai Mati"],
}


def _desa() -> list[tuple[str, str, str]]:
    with data_path("wilayah", "probolinggo_desa.csv").open(encoding="utf-8") as fh:
        return [(r["code"], r["name"], r["kecamatan_code"]) for r in csv.DictReader(fh)]


def _nik(kec: str, born: date, female: bool, serial: int) -> str:
    day = born.day + (40 if female else 0)
    return f"{kec.replace('.', '')}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def write(out_dir: Path, n_families: int, n_persons: int, seed: int = 1) -> tuple[Path, Path]:
    rnd = random.Random(seed)
    desa = _desa()
    out_dir.mkdir(parents=True, exist_ok=True)
    fam_path, per_path = out_dir / "p3ke_keluarga.xlsx", out_dir / "p3ke_individu.xlsx"
    opts = {"constant_memory": True, "strings_to_numbers": False}
    fwb, pwb = xlsxwriter.Workbook(fam_path, opts), xlsxwriter.Workbook(per_path, opts)
    fws, pws = fwb.add_worksheet("Keluarga"), pwb.add_worksheet("Individu")
    fws.write_row(0, 0, P3KE_FAMILY.headers)
    pws.write_row(0, 0, P3KE_PERSON.headers)
    prow = 1
    sizes = [1 + (n_persons * 2 // n_families - 1) * rnd.random() for _ in range(n_families)]
    scale = n_persons / sum(sizes)
    today = date(2025, 6, 30)
    for i in range(n_families):
        code, name, kec = desa[rnd.randrange(len(desa))]
        fam_id = f"P3KE{i + 1:09d}"
        size = (
            max(1, round(sizes[i] * scale)) if i < n_families - 1 else max(1, n_persons - prow + 1)
        )
        members = []
        for m in range(size):
            age = rnd.randint(25, 70) if m == 0 else rnd.randint(0, 80)
            born = today - timedelta(days=age * 365 + rnd.randint(0, 364))
            female = m == 1 or rnd.random() < 0.5 and m > 1
            nik = _nik(kec, born, female, rnd.randint(1, 9999))
            members.append((nik, born, female, age))
        head_nik, head_born, head_female, _ = members[0]
        issued = date(2010, 1, 1) + timedelta(days=rnd.randint(0, 5000))
        kk = _nik(kec, issued, False, rnd.randint(1, 9999))
        fws.write_row(
            i + 1,
            0,
            [
                fam_id,
                "JAWA TIMUR",
                "KAB. PROBOLINGGO",
                "KEC",
                name.upper(),
                code,
                str(rnd.randint(1, 4)),
                f"DUSUN KRAJAN RT {rnd.randint(1, 9):03d} RW {rnd.randint(1, 9):03d}",
                kk,
                f"KEPALA {i}",
                head_nik,
                rnd.choice(["Padan", "Tidak Padan"]),
                "Perempuan" if head_female else "Laki-laki",
                head_born.isoformat(),
                *(rnd.choice(LABELS[h]) for h in ("pekerjaan", "pendidikan", "kepemilikan_rumah")),
                rnd.choice(["Ya", "Tidak"]),
                *(
                    rnd.choice(LABELS[h])
                    for h in (
                        "jenis_atap",
                        "jenis_dinding",
                        "jenis_lantai",
                        "sumber_penerangan",
                        "bahan_bakar_memasak",
                        "sumber_air_minum",
                        "memiliki_fasilitas_buang_air_besar",
                    )
                ),
                *(rnd.choice(["Ya", "Tidak"]) for _ in range(6)),
            ],
        )
        for m, (nik, born, female, age) in enumerate(members):
            if prow > n_persons:
                break
            bands = ["Ya" if lo <= age <= hi else "Tidak" for _, lo, hi in AGE_BANDS]
            pws.write_row(
                prow,
                0,
                [
                    fam_id,
                    f"{fam_id}-{m + 1:02d}",
                    nik,
                    f"ANGGOTA {i} {m}",
                    "Kepala Keluarga" if m == 0 else ("Istri" if m == 1 else "Anak"),
                    "Perempuan" if female else "Laki-laki",
                    born.strftime("%d-%m-%Y"),
                    rnd.choice(LABELS["status_kawin"]),
                    rnd.choice(LABELS["pekerjaan"]),
                    rnd.choice(LABELS["pendidikan"]),
                    *bands,
                    *(rnd.choice(["Ya", "Tidak"]) for _ in range(5)),
                ],
            )
            prow += 1
    fwb.close()
    pwb.close()
    return fam_path, per_path


if __name__ == "__main__":
    out, nf, np_ = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    print(write(out, nf, np_))
