"""Corrections a desa makes to a family during verification, checked without a database.

A correction is a small operation on the family or its members (DESIGN.md §3, LAYAK_BERUBAH):

    {"op": "rename", "person": 17, "nama": "SITI AMINAH"}
    {"op": "fix_nik", "person": 17, "nik": "3513…"}
    {"op": "add", "nama": "…", "nik": "3513…", "hubungan": "3", "jenis_kelamin": "2",
     "tanggal_lahir": "2019-04-02"}
    {"op": "remove", "person": 18, "why": "meninggal" | "pindah" | "lainnya"}
    {"op": "head", "person": 19}
    {"op": "address", "alamat": "…"}

`check_corrections` returns the cleaned operations and every problem, in Indonesian and English,
each naming the operation it concerns; the identity checks of `tepat.core.identity` run on every
NIK given. A name or address that a spreadsheet would run as a formula (starting with = + - @) is
refused, as the import refuses it (`tepat.core.spreadsheet`): it ends up in the exported lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tepat.core import codes
from tepat.core.identity import check_nik, mask, normalize_number
from tepat.core.regions import RegionTable
from tepat.core.spreadsheet import name_formula_message, name_runs_as_formula

OPERATIONS = ("rename", "fix_nik", "add", "remove", "head", "address")
REMOVE_WHY = {"meninggal": "Meninggal", "pindah": "Pindah", "lainnya": "Lainnya"}


@dataclass(frozen=True)
class Member:
    """What the checks need of an existing member."""

    id: int
    tanggal_lahir: date | None
    jenis_kelamin: str | None
    hubungan: str | None = None  # "1": the head of the family


@dataclass(frozen=True)
class CorrectionProblem:
    index: int  # which operation (0-based)
    message_id: str
    message_en: str


def _problem(index: int, message_id: str, message_en: str) -> CorrectionProblem:
    return CorrectionProblem(index, message_id, message_en)


def _as_date(raw: Any) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except (TypeError, ValueError):
        return None


def _formula_problems(index: int, text: str, label_id: str,
                      label_en: str) -> list[CorrectionProblem]:
    if not name_runs_as_formula(text):
        return []
    return [_problem(index, *name_formula_message(label_id, label_en))]


def _nik_problems(index: int, raw: Any, birth: date | None, sex: str | None,
                  regions: RegionTable | None, today: date | None) -> list[CorrectionProblem]:
    found = check_nik(raw, birth_date=birth, sex=sex, regions=regions, today=today)
    return [_problem(index, f"NIK: {p.message_id}", f"NIK: {p.message_en}")
            for p in found if p.is_error]


def _check_one(index: int, op: Mapping[str, Any], members: Mapping[int, Member],
               regions: RegionTable | None, today: date | None,
               ) -> tuple[dict[str, Any] | None, list[CorrectionProblem]]:
    kind = op.get("op")
    if kind not in OPERATIONS:
        return None, [_problem(index, f"Jenis perbaikan '{kind}' tidak dikenal.",
                               f"Unknown correction '{kind}'.")]
    if kind == "address":
        alamat = str(op.get("alamat", "")).strip()
        if not alamat:
            return None, [_problem(index, "Alamat baru kosong.", "The new address is empty.")]
        if problems := _formula_problems(index, alamat, "Alamat baru", "The new address"):
            return None, problems
        return {"op": kind, "alamat": alamat}, []
    if kind == "add":
        return _check_add(index, op, regions, today)
    person = op.get("person")
    try:
        member = members[int(person)]
    except (KeyError, TypeError, ValueError):
        return None, [_problem(index, "Anggota yang diperbaiki bukan anggota keluarga ini.",
                               "The member corrected is not a member of this family.")]
    if kind == "rename":
        nama = str(op.get("nama", "")).strip()
        if not nama:
            return None, [_problem(index, "Nama baru kosong.", "The new name is empty.")]
        if problems := _formula_problems(index, nama, "Nama baru", "The new name"):
            return None, problems
        return {"op": kind, "person": member.id, "nama": nama}, []
    if kind == "fix_nik":
        problems = _nik_problems(index, op.get("nik"), member.tanggal_lahir,
                                 member.jenis_kelamin, regions, today)
        return ({"op": kind, "person": member.id, "nik": normalize_number(op.get("nik"))}
                if not problems else None), problems
    if kind == "remove":
        why = op.get("why", "")
        if why not in REMOVE_WHY:
            return None, [_problem(index, "Sebutkan alasan anggota dihapus (meninggal, pindah, "
                                   "lainnya).", "Say why the member is removed (died, moved, "
                                   "other).")]
        return {"op": kind, "person": member.id, "why": why}, []
    return {"op": "head", "person": member.id}, []


def _check_add(index: int, op: Mapping[str, Any], regions: RegionTable | None,
               today: date | None) -> tuple[dict[str, Any] | None, list[CorrectionProblem]]:
    problems = []
    nama = str(op.get("nama", "")).strip()
    if not nama:
        problems.append(_problem(index, "Nama anggota baru kosong.", "The new member's name is "
                                 "empty."))
    problems += _formula_problems(index, nama, "Nama anggota baru", "The new member's name")
    hubungan = codes.HUBUNGAN.lookup(op.get("hubungan"))
    if hubungan is None:
        problems.append(_problem(index, "Hubungan dengan kepala keluarga tidak dikenal.",
                                 "Unknown relationship to the head of the family."))
    sex = codes.JENIS_KELAMIN.lookup(op.get("jenis_kelamin"))
    if sex is None:
        problems.append(_problem(index, "Jenis kelamin harus Laki-laki atau Perempuan.",
                                 "Sex must be male or female."))
    birth = _as_date(op.get("tanggal_lahir"))
    if birth is None:
        problems.append(_problem(index, "Tanggal lahir harus diisi (TTTT-BB-HH).",
                                 "The birth date is required (YYYY-MM-DD)."))
    if normalize_number(op.get("nik")):  # a newborn or an undocumented person has none yet
        problems += _nik_problems(index, op.get("nik"), birth, sex, regions, today)
    if problems:
        return None, problems
    return {"op": "add", "nama": nama, "nik": normalize_number(op.get("nik")) or "",
            "hubungan": hubungan, "jenis_kelamin": sex, "tanggal_lahir": birth.isoformat()}, []


def check_corrections(
    operations: Sequence[Mapping[str, Any]],
    members: Mapping[int, Member],
    *,
    regions: RegionTable | None = None,
    today: date | None = None,
) -> tuple[list[dict[str, Any]], list[CorrectionProblem]]:
    """The cleaned operations and every problem found (the operations are kept only if none)."""
    cleaned, problems = [], []
    for index, op in enumerate(operations):
        one, found = _check_one(index, op, members, regions, today)
        problems += found
        if one is not None:
            cleaned.append(one)
    removals = [op["person"] for op in cleaned if op["op"] == "remove"]
    removed = set(removals)
    if len(removed) < len(removals):  # counted twice, the family would lose a member too many
        problems.append(_problem(len(operations) - 1, "Satu anggota dihapus dua kali.",
                                 "One member is removed twice."))
    heads = [op["person"] for op in cleaned if op["op"] == "head"]
    if len(heads) > 1:
        problems.append(_problem(len(operations) - 1, "Hanya satu kepala keluarga baru.",
                                 "Only one new head of the family."))
    if heads and heads[0] in removed:
        problems.append(_problem(len(operations) - 1,
                                 "Kepala keluarga baru tidak boleh dihapus.",
                                 "The new head of the family cannot be removed."))
    if _head_removed_without_successor(cleaned, members, removed, heads):
        problems.append(_problem(len(operations) - 1,
                                 "Kepala keluarga dihapus: tunjuk kepala keluarga baru.",
                                 "The head of the family is removed: choose the new head."))
    return (cleaned if not problems else []), problems


def _head_removed_without_successor(cleaned: Sequence[Mapping[str, Any]],
                                    members: Mapping[int, Member], removed: set[int],
                                    heads: Sequence[int]) -> bool:
    """The registry's head leaves and nobody takes the place (a new head among the members, or
    a new member added as head): the family's head name would be a removed person's."""
    head_leaves = any(members[p].hubungan == "1" for p in removed if p in members)
    added_head = any(op["op"] == "add" and op.get("hubungan") == "1" for op in cleaned)
    return head_leaves and not heads and not added_head


def masked(operations: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The operations with every NIK masked: what an audit event or a log may hold."""
    return [{k: (mask(v) if k == "nik" else v) for k, v in op.items()} for op in operations]


def jiwa_after(jiwa: int, operations: Sequence[Mapping[str, Any]]) -> int:
    """Members once the corrections apply."""
    return jiwa + sum(op["op"] == "add" for op in operations) - sum(
        op["op"] == "remove" for op in operations)
