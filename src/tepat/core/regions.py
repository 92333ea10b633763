"""Kemendagri region codes (2025 edition), read from the packaged national table.

Codes are dotted: province `35`, kabupaten `35.13`, kecamatan `35.13.20`, desa `35.13.20.2001`
(suffix 2xxx = desa, 1xxx = kelurahan). NIKs and KKs carry the first three levels undotted
(`351320`). See tepat/data/NOTICE.md for the source.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

LEVELS = {1: "provinsi", 2: "kabupaten", 3: "kecamatan", 4: "desa"}
DEFAULT_KABUPATEN = "35.13"  # Kabupaten Probolinggo

_DOTTED = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


@dataclass(frozen=True)
class Region:
    code: str
    name: str

    @property
    def level(self) -> str:
        return LEVELS[self.code.count(".") + 1]

    @property
    def parent_code(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None

    @property
    def is_kelurahan(self) -> bool:
        return self.level == "desa" and self.code[-4] == "1"


def data_path(*parts: str) -> Path:
    return Path(str(resources.files("tepat") / "data" / Path(*parts)))


def normalize_code(raw: object) -> str | None:
    """A dotted Kemendagri code from '35.13.20.2001', '3513202001', 3513202001 or ' 35.13.20 '."""
    text = str(raw).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # a number that went through a float
        text = text[:-2]
    if _DOTTED.match(text):
        return text
    if text.isdigit() and len(text) in (2, 4, 6, 10):
        parts = [text[0:2], text[2:4], text[4:6], text[6:10]]
        return ".".join(p for p in parts if p)
    return None


def undotted(code: str) -> str:
    return code.replace(".", "")


@dataclass(frozen=True)
class RegionTable:
    regions: dict[str, Region]

    def get(self, code: str) -> Region | None:
        return self.regions.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self.regions

    def children(self, code: str) -> list[Region]:
        prefix = code + "."
        depth = code.count(".") + 1
        return [
            r for c, r in self.regions.items() if c.startswith(prefix) and c.count(".") == depth
        ]

    def descendants(self, code: str) -> list[Region]:
        prefix = code + "."
        return [r for c, r in self.regions.items() if c.startswith(prefix)]

    @cached_property
    def kecamatan_digits(self) -> frozenset[str]:
        """The six-digit kecamatan codes as NIKs carry them ('351320')."""
        return frozenset(undotted(c) for c in self.regions if c.count(".") == 2)

    @cached_property
    def kabupaten_digits(self) -> frozenset[str]:
        return frozenset(undotted(c) for c in self.regions if c.count(".") == 1)

    @cached_property
    def province_digits(self) -> frozenset[str]:
        return frozenset(c for c in self.regions if "." not in c)


@cache
def national_table() -> RegionTable:
    """All 91,599 regions of the 2025 national table (read once per process)."""
    with data_path("wilayah", "indonesia_wilayah.csv").open(encoding="utf-8", newline="") as fh:
        regions = {row["code"]: Region(row["code"], row["name"]) for row in csv.DictReader(fh)}
    return RegionTable(regions)
