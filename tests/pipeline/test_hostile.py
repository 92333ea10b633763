"""Hostile workbooks are refused with a message, and only a child process can die of one."""

from __future__ import annotations

import os
import resource
import time
import zipfile

import pytest
from pipeline_helpers import as_table, family_rows, write_xlsx

from hostile import BUILDERS, corpus, lying_sizes, single_cell, workbook
from tepat.core.layout import P3KE_FAMILY
from tepat.pipeline import ReadError, ZipLimits, read_sheet
from tepat.pipeline.workbook import ParseLimits, open_workbook
from tepat.pipeline.xlsx_guard import check_workbook

SHEETS = [kind for kind, (_name, _build, image) in BUILDERS.items() if not image]
REFUSALS = {"FILE_HOSTILE", "FILE_ZIP_BOMB", "FILE_CORRUPT", "FILE_WRONG_FORMAT",
            "FILE_PARSE_LIMIT"}
PARENT_GROWTH_CAP_MB = 150  # the test process itself, per hostile file
CHILD_PEAK_CAP_MB = ParseLimits().memory_mb  # the child cannot map more than its limit


def _families() -> list[list]:
    return as_table(family_rows(), P3KE_FAMILY.headers)


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        line = next(line for line in fh if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {item.kind: item.write(folder) for item in corpus(SHEETS)}


@pytest.mark.parametrize("kind", SHEETS)
def test_every_hostile_workbook_is_refused_with_a_message_naming_it(hostile_files, kind):
    path = hostile_files[kind]
    before = _rss_mb()
    started = time.perf_counter()
    with pytest.raises(ReadError) as caught:
        read_sheet(path, P3KE_FAMILY)
    error = caught.value
    assert error.code in REFUSALS, (kind, error.code)
    assert path.name in error.message_id and path.name in error.message_en
    assert error.message_id != error.message_en
    assert "Traceback" not in error.message_en
    assert time.perf_counter() - started < 10, kind
    assert _rss_mb() - before < PARENT_GROWTH_CAP_MB, kind
    children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert children_peak_mb < CHILD_PEAK_CAP_MB


def test_a_sheet_with_one_cell_at_xfd1048576_is_refused_before_any_parse(tmp_path):
    path = tmp_path / "xfd.xlsx"
    path.write_bytes(single_cell("XFD1048576"))
    with pytest.raises(ReadError) as caught:
        check_workbook(path, path.name, ZipLimits())
    assert caught.value.code == "FILE_HOSTILE" and "ZZ" in caught.value.message_en


def test_when_the_check_is_skipped_calamine_aborts_in_the_child_and_the_server_lives(tmp_path):
    """The 512 GiB allocation happens, in the child only: it dies of its memory limit."""
    path = tmp_path / "xfd.xlsx"
    path.write_bytes(single_cell("XFD1048576"))
    with pytest.raises(ReadError) as caught, open_workbook(path, path.name, checked=True) as book:
        book.load(0)
    assert caught.value.code == "FILE_PARSE_LIMIT"
    assert "memori habis" in caught.value.message_id and "out of memory" in caught.value.message_en
    assert os.getpid()  # still here


def test_a_child_that_does_not_answer_in_time_is_killed(tmp_path):
    path = write_xlsx(tmp_path / "lambat.xlsx", _families())
    limits = ParseLimits(timeout_seconds=0.001)
    with pytest.raises(ReadError) as caught, open_workbook(path, path.name, limits=limits):
        pass
    assert caught.value.code == "FILE_PARSE_LIMIT" and "out of time" in caught.value.message_en


def test_the_declared_size_is_not_trusted_the_inflated_bytes_are_counted(tmp_path):
    path = tmp_path / "bohong.xlsx"
    path.write_bytes(lying_sizes(inflated=40 * 1024 * 1024, declared=1024))
    declared = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    assert declared < 10_000  # the directory says "tiny"
    with pytest.raises(ReadError) as caught:
        check_workbook(path, path.name, ZipLimits(max_unzipped_bytes=20 * 1024 * 1024,
                                                  max_ratio=10_000))
    assert caught.value.code == "FILE_ZIP_BOMB" and "inflating" in caught.value.message_en


def test_many_sheets_are_refused_from_the_directory(tmp_path):
    path = tmp_path / "lembar.xlsx"
    path.write_bytes(workbook(sheet_count=101))
    with pytest.raises(ReadError) as caught:
        check_workbook(path, path.name, ZipLimits())
    assert caught.value.code == "FILE_HOSTILE" and "101" in caught.value.message_en


def test_a_real_workbook_passes_the_check_and_reads_in_the_child(tmp_path):
    path = write_xlsx(tmp_path / "p3ke_keluarga.xlsx", _families())
    check_workbook(path, path.name, ZipLimits())
    with open_workbook(path, path.name) as book:
        grid = book.load(book.sheet_names[0])
        assert grid.frame.height == len(_families())
        assert book.peak_kb > 0

