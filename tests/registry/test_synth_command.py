"""`tepat synth`: the export it always wrote, and `--linkage` (the linked sources with truth)."""

from __future__ import annotations

from io import StringIO

import polars as pl
from django.core.management import call_command


def test_synth_linkage_writes_every_source_and_the_truth(tmp_path):
    out = tmp_path / "linked"
    stdout = StringIO()
    call_command("synth", "--linkage", "--households", "300", "--seed", "4", "--out", str(out),
                 stdout=stdout)
    names = {p.name for p in out.iterdir()}
    assert names == {
        "dtsen_keluarga.csv", "dtsen_individu.csv", "p3ke_keluarga.csv", "p3ke_individu.csv",
        "p3ke2_keluarga.csv", "p3ke2_individu.csv", "dtks_keluarga.csv", "dtks_anggota.csv",
        "bantuan.csv", "truth_linkage.csv", "truth_linkage.json",
    }
    truth = pl.read_csv(out / "truth_linkage.csv", infer_schema=False)
    persons = pl.read_csv(out / "p3ke_individu.csv", infer_schema=False)
    assert truth.filter(pl.col("source") == "p3ke").height == persons.height > 0
    assert "p3ke2" in stdout.getvalue()


def test_synth_without_linkage_still_writes_one_export(tmp_path):
    call_command("synth", "--households", "200", "--seed", "4", "--out", str(tmp_path),
                 "--format", "csv", stdout=StringIO())
    assert (tmp_path / "p3ke_keluarga.csv").exists()
    assert (tmp_path / "ground_truth.csv").exists()
    assert not (tmp_path / "truth_linkage.csv").exists()
