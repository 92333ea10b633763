"""A synthetic DTKS pair (Kemensos: family file + member file joined by ID DTKS), made from a
synthetic DTSEN export: same families and persons (and the same injected defects), the columns
renamed to the DTKS layout, no desil, and the PKH / BPNT / PBI-JK flags given by the DTSEN
desil (poorer families receive more), so a test knows exactly what the registry must hold.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tepat.synth.generator import SynthData

FAMILY_RENAMES = {
    "id_keluarga_dtsen": "id_dtks",
    "kode_kemdagri": "kode_wilayah",
    "alamat": "alamat",
    "no_kk": "no_kk",
    "nama_kepala_keluarga": "nama_krt",
    "nik_kepala_keluarga": "nik_krt",
    "jenis_kelamin_kepala_keluarga": "jenis_kelamin_krt",
    "tanggal_lahir_kepala_keluarga": "tanggal_lahir_krt",
}
PERSON_RENAMES = {
    "id_keluarga_dtsen": "id_dtks",
    "id_individu_dtsen": "id_art_dtks",
    "nik": "nik",
    "nama": "nama",
    "hubungan_dengan_kepala_keluarga": "hubungan_keluarga",
    "jenis_kelamin": "jenis_kelamin",
    "tanggal_lahir": "tanggal_lahir",
    "status_perkawinan": "status_kawin",
}
# (flag, the highest desil that receives it)
FLAG_DESIL = (("penerima_pkh", 2), ("penerima_bpnt", 3), ("penerima_pbi_jk", 4))


def _flags(desil: pl.Expr) -> list[pl.Expr]:
    return [
        pl.when(desil.cast(pl.Int32, strict=False) <= top).then(pl.lit("Ya"))
        .otherwise(pl.lit("Tidak")).alias(name)
        for name, top in FLAG_DESIL
    ]


def from_dtsen(data: SynthData) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(families, persons) in the DTKS layouts."""
    if data.source != "dtsen":
        raise ValueError("a DTKS pair is made from a DTSEN export")
    fam = data.families.with_columns(_flags(pl.col("desil_nasional")))
    families = fam.select(
        *(pl.col(a).alias(b) for a, b in FAMILY_RENAMES.items()), *(n for n, _ in FLAG_DESIL)
    )
    desil = fam.select(pl.col("id_keluarga_dtsen"), pl.col("desil_nasional"))
    per = data.persons.join(desil, on="id_keluarga_dtsen", how="left", maintain_order="left")
    persons = per.with_columns(_flags(pl.col("desil_nasional"))).select(
        *(pl.col(a).alias(b) for a, b in PERSON_RENAMES.items()), *(n for n, _ in FLAG_DESIL)
    )
    return families, persons


def write_dtks(data: SynthData, out_dir: Path) -> list[Path]:
    """dtks_keluarga.csv and dtks_anggota.csv (text cells, as every export is read)."""
    families, persons = from_dtsen(data)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "dtks_keluarga.csv", out_dir / "dtks_anggota.csv"]
    for frame, path in zip((families, persons), paths, strict=True):
        frame.with_columns(pl.all().cast(pl.String)).write_csv(path, line_terminator="\n")
    return paths
