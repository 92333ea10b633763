"""Time of the import page's column mapping step on a 100,000-row "lokal" list (issue 17 §3:
the mapping preview of a 100k-row file ≤ 10 s).

    uv run python bench/mapping_preview_bench.py [--rows 100000] [--runs 3]

The list is made from a synthetic DTSEN export: one row per person, the family's No KK and desa
repeated, the regency's own headers, no person ID (the mapping makes it). Written as .xlsx and
as .csv. Prints one row per step and format: the first rows for the form (`read_head`, uncached: the
first request of the form; it reads the file and suggests), the suggestions alone
(`suggest_mapping`), and the preview (`build_preview`: the whole file read in the
limited child process, mapped, validated, and its first 50 rows gathered); median of the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import xlsxwriter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")

MAPPING = {
    "source_family_id": "NO KARTU KELUARGA",
    "no_kk": "NO KARTU KELUARGA",
    "kode_kemdagri": "KODE DESA",
    "alamat": "ALAMAT",
    "nama": "NAMA ANGGOTA",
    "nik": "NIK ANGGOTA",
    "hubungan": "HUBUNGAN",
    "jenis_kelamin": "JK",
    "tanggal_lahir": "TGL LAHIR",
}


def lokal_list(rows: int) -> pl.DataFrame:
    from tepat import synth

    data = synth.generate(max(rows // 3, 100), 1, source="dtsen")
    fam = data.families.select("id_keluarga_dtsen", "no_kk", "kode_kemdagri", "alamat")
    per = data.persons.join(fam, on="id_keluarga_dtsen", how="left", maintain_order="left")
    table = per.select(
        pl.col("no_kk").alias("NO KARTU KELUARGA"),
        pl.col("kode_kemdagri").alias("KODE DESA"),
        pl.col("alamat").alias("ALAMAT"),
        pl.col("nama").alias("NAMA ANGGOTA"),
        pl.col("nik").alias("NIK ANGGOTA"),
        pl.col("hubungan_dengan_kepala_keluarga").alias("HUBUNGAN"),
        pl.col("jenis_kelamin").alias("JK"),
        pl.col("tanggal_lahir").cast(pl.String).alias("TGL LAHIR"),
        pl.lit("-").alias("KETERANGAN"),
    )
    while table.height < rows:
        table = pl.concat([table, table])
    return table.head(rows).with_columns(pl.all().cast(pl.String))


def write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Daftar")
    sheet.write_row(0, 0, ["DAFTAR KELUARGA MISKIN EKSTREM (DATA DESA)"])
    sheet.write_row(2, 0, frame.columns)
    for r, row in enumerate(frame.iter_rows(), start=3):
        sheet.write_row(r, 0, ["" if v is None else v for v in row])
    book.close()


def median_of(runs: int, step) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings

    from tepat.pipeline.mapping import suggest_mapping
    from tepat.pipeline.readers import read_sheet
    from tepat.registry.mappings import HEAD_FILE, _stage, build_preview, read_head

    def uncached_head(staged):
        (staged.folder / HEAD_FILE).unlink(missing_ok=True)
        return read_head(staged)

    with tempfile.TemporaryDirectory() as tmp:
        settings.IMPORT_DIR = Path(tmp) / "imports"
        frame = lokal_list(args.rows)
        source = Path(tmp) / "src"
        source.mkdir()
        files = {"xlsx": source / "daftar.xlsx", "csv": source / "daftar.csv"}
        write_xlsx(frame, files["xlsx"])
        frame.write_csv(files["csv"])
        print(f"rows: {frame.height:,}; xlsx {files['xlsx'].stat().st_size / 1e6:.1f} MB, "
              f"csv {files['csv'].stat().st_size / 1e6:.1f} MB; median of {args.runs} runs")
        print("| file | first rows s | suggest s | preview s | keluarga / jiwa | errors | "
              "suggested = mapping |")
        print("|---|---|---|---|---|---|---|")
        for fmt, path in files.items():
            staged = _stage("local", "bench", [(path.name, lambda t, p=path: t.write_bytes(
                p.read_bytes()))])
            head_s, head = median_of(args.runs, lambda s=staged: uncached_head(s))
            raw = read_sheet(staged.family_path, guess_header=True)
            suggest_s, suggested = median_of(args.runs, lambda r=raw: suggest_mapping(r, "local"))
            preview_s, preview = median_of(args.runs, lambda s=staged: build_preview(s, MAPPING))
            same = all(suggested.get(k) == v for k, v in MAPPING.items())
            print(f"| {fmt} | {head_s:.2f} | {suggest_s:.3f} | {preview_s:.2f} | "
                  f"{preview.families:,} / {preview.persons:,} | {preview.error_count} | "
                  f"{'yes' if same else suggested} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
