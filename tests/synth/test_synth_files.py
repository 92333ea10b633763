"""Files written by tepat.synth.write: names, CSV bytes, XLSX cells, ground truth."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import replace
from datetime import date

import fastexcel
import polars as pl
import pytest

from tepat.synth import DefectRates, generate, write
from tepat.synth.xlsx import column_letter, write_xlsx


@pytest.fixture(scope="module")
def small():
    return generate(300, seed=42)


def _read_xlsx(path) -> pl.DataFrame:
    return fastexcel.read_excel(str(path)).load_sheet(0).to_polars()


def test_file_names(small, tmp_path):
    paths = write(small, tmp_path, "csv")
    assert [p.name for p in paths] == [
        "p3ke_keluarga.csv",
        "p3ke_individu.csv",
        "ground_truth.csv",
        "ground_truth.json",
    ]
    dtsen = generate(100, seed=1, source="dtsen")
    paths = write(dtsen, tmp_path / "d", "xlsx")
    assert [p.name for p in paths] == [
        "dtsen_keluarga.xlsx",
        "dtsen_individu.xlsx",
        "ground_truth.csv",
        "ground_truth.json",
    ]
    assert all(p.exists() for p in paths)


def test_same_seed_gives_byte_identical_files(tmp_path):
    outputs = []
    for run, seed in enumerate((8, 8, 9)):
        out = tmp_path / str(run)
        paths = write(generate(250, seed=seed), out, "csv")
        write(generate(250, seed=seed), out / "x", "xlsx")
        outputs.append(
            [p.read_bytes() for p in paths]
            + [
                (out / "x" / name).read_bytes()
                for name in ("p3ke_keluarga.xlsx", "p3ke_individu.xlsx")
            ]
        )
    assert outputs[0] == outputs[1]
    assert outputs[0][0] != outputs[2][0]
    assert outputs[0][1] != outputs[2][1]


def test_csv_format(small, tmp_path):
    fam_path, per_path, *_ = write(small, tmp_path, "csv")
    raw = per_path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    assert "\r" not in text
    header, first = text.split("\n")[:2]
    assert header.split(",") == small.persons.columns
    row = next(csv.reader(io.StringIO(first)))
    assert (
        row[small.persons.columns.index("tanggal_lahir")]
        == small.persons["tanggal_lahir"][0].isoformat()
    )
    back = pl.read_csv(per_path, infer_schema=False)
    expected = small.persons.with_columns(pl.col("tanggal_lahir").dt.strftime("%Y-%m-%d"))
    assert back.equals(expected)
    back_f = pl.read_csv(fam_path, infer_schema=False)
    assert back_f["nik"].str.len_chars().max() >= 16
    assert back_f.columns == small.families.columns


def test_xlsx_round_trip_keeps_nik_as_text(small, tmp_path):
    fam_path, per_path, *_ = write(small, tmp_path, "xlsx")
    for path, frame in ((fam_path, small.families), (per_path, small.persons)):
        back = _read_xlsx(path)
        assert back.columns == frame.columns
        for column in ("nik", "id_keluarga_p3ke", "kode_kemdagri", "no_kk", "id_individu"):
            if column in frame.columns:
                assert back.schema[column] == pl.String, column
        back = back.with_columns(pl.col("tanggal_lahir").cast(pl.Date))
        assert back.equals(frame)


def test_xlsx_nulls_and_dtsen(tmp_path):
    dtsen = generate(200, seed=3, source="dtsen")
    _, per_path, *_ = write(dtsen, tmp_path, "xlsx")
    back = _read_xlsx(per_path).with_columns(pl.col("tanggal_lahir").cast(pl.Date))
    assert back["status_pekerjaan"].null_count() == dtsen.persons["status_pekerjaan"].null_count()
    assert back.equals(dtsen.persons)


def test_fast_xlsx_matches_xlsxwriter(small, tmp_path):
    write(small, tmp_path / "fast", "xlsx")
    write(small, tmp_path / "ref", "xlsx", xlsx_engine="xlsxwriter")
    for name in ("p3ke_keluarga.xlsx", "p3ke_individu.xlsx"):
        assert _read_xlsx(tmp_path / "fast" / name).equals(_read_xlsx(tmp_path / "ref" / name))


def test_xlsx_opens_in_openpyxl_with_text_niks(small, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    _, per_path, *_ = write(small, tmp_path, "xlsx")
    sheet = openpyxl.load_workbook(per_path).active
    assert sheet.title == "individu"
    header = [cell.value for cell in sheet[1]]
    assert header == small.persons.columns
    nik_col = header.index("nik") + 1
    cell = sheet.cell(row=2, column=nik_col)
    assert cell.data_type == "s" and cell.value == small.persons["nik"][0]
    assert cell.number_format == "@"
    born = sheet.cell(row=2, column=header.index("tanggal_lahir") + 1)
    assert born.is_date and born.value.date() == small.persons["tanggal_lahir"][0]
    assert sheet.freeze_panes == "A2"


def test_xlsx_escapes_markup_and_is_a_valid_zip(tmp_path):
    frame = pl.DataFrame(
        {"a": ["x & y", "<b>", None, "JUMA'ATI"], "d": [date(2000, 1, 2), None, None, None]}
    )
    path = write_xlsx(frame, tmp_path / "t.xlsx", text_columns=["a"])
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert "xl/worksheets/sheet1.xml" in zf.namelist()
    back = _read_xlsx(path).with_columns(pl.col("d").cast(pl.Date))
    assert back.equals(frame)


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_too_many_rows_for_excel(small, tmp_path, monkeypatch):
    import tepat.synth.writer as writer

    monkeypatch.setattr(writer, "EXCEL_MAX_ROWS", 100)
    with pytest.raises(ValueError, match="csv"):
        write(small, tmp_path, "xlsx")
    write(small, tmp_path, "csv")  # CSV has no such limit


def test_unknown_format(small, tmp_path):
    with pytest.raises(ValueError):
        write(small, tmp_path, "ods")  # type: ignore[arg-type]


def test_ground_truth_files(small, tmp_path):
    *_, truth_csv, truth_json = write(small, tmp_path, "csv")
    truth = pl.read_csv(truth_csv, infer_schema=False)
    assert truth.columns == small.truth.columns
    assert truth.height == small.truth.height
    payload = json.loads(truth_json.read_text(encoding="utf-8"))
    assert payload["seed"] == 42
    assert payload["source"] == "p3ke"
    assert payload["rates"] == DefectRates().as_dict()
    assert payload["summary"] == small.summary
    assert payload["files"]["persons"] == "p3ke_individu.csv"


def test_ground_truth_with_no_defects(tmp_path):
    clean = generate(100, seed=1, defects=DefectRates.none())
    *_, truth_csv, truth_json = write(clean, tmp_path, "csv")
    assert (
        truth_csv.read_text(encoding="utf-8").strip()
        == "defect,source_family_id,source_person_id,related_family_id,detail"
    )
    assert json.loads(truth_json.read_text())["rates"]["malformed_nik"] == 0.0
    assert replace(clean.rates) == DefectRates.none()


def test_command_line(tmp_path, capsys):
    from tepat.synth.__main__ import main

    assert (
        main(["--households", "120", "--seed", "4", "--format", "csv", "--out", str(tmp_path)]) == 0
    )
    assert (tmp_path / "p3ke_individu.csv").exists()
    out = capsys.readouterr().out
    assert '"families": ' in out and "generate" in out
