"""A desa's corrections of a family as a reader sees them: one sentence each (the history) or a
before/after row each (the kecamatan's review). NIK masked, codes labelled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tepat.core.corrections import REMOVE_WHY
from tepat.core.identity import mask
from tepat.web.code_labels import code_label


def _nik(value: Any) -> str:
    nik = str(value or "")
    return nik if "*" in nik else mask(nik) if nik else _("tanpa NIK")


def describe_correction(op: dict[str, Any], names: dict[int, str]) -> str:
    """One correction as a sentence (NIK masked)."""
    who = names.get(op.get("person"), _("anggota #%(id)s") % {"id": op.get("person")})
    nik = _nik(op.get("nik"))
    kind = op.get("op")
    if kind == "rename":
        return _("Nama %(who)s diperbaiki menjadi %(new)s") % {"who": who, "new": op["nama"]}
    if kind == "fix_nik":
        return _("NIK %(who)s diperbaiki menjadi %(nik)s") % {"who": who, "nik": nik}
    if kind == "remove":
        return _("%(who)s dihapus dari keluarga (%(why)s)") % {
            "who": who, "why": _(REMOVE_WHY.get(op.get("why"), op.get("why") or "—"))}
    if kind == "head":
        return _("%(who)s menjadi kepala keluarga") % {"who": who}
    if kind == "add":
        return _("Tambah anggota %(name)s (%(rel)s, lahir %(birth)s, NIK %(nik)s)") % {
            "name": op.get("nama"),
            "rel": code_label("hubungan_dengan_kepala_keluarga", op.get("hubungan")) or "—",
            "birth": op.get("tanggal_lahir") or "—", "nik": nik}
    if kind == "address":
        return _("Alamat menjadi: %(alamat)s") % {"alamat": op.get("alamat")}
    return str(kind)


@dataclass(frozen=True)
class MemberNow:
    """What the registry holds of a member today (NIK already masked)."""

    nama: str
    nik: str
    hubungan: str


@dataclass(frozen=True)
class BeforeAfter:
    label: str  # what changes: "Nama", "NIK", "Anggota", "Kepala keluarga", "Alamat"
    who: str  # the member concerned, or ""
    before: str
    after: str


def before_after(operations: Sequence[Mapping[str, Any]], members: Mapping[int, MemberNow],
                 *, alamat: str, head: str) -> list[BeforeAfter]:
    """Each correction as (label, member, registry value → corrected value)."""
    rows = []
    for op in operations or []:
        kind, now = op.get("op"), members.get(op.get("person"))
        who = now.nama if now else (_("anggota #%(id)s") % {"id": op.get("person")}
                                    if op.get("person") else "")
        if kind == "rename":
            rows.append(BeforeAfter(_("Nama"), who, now.nama if now else "—", op.get("nama")))
        elif kind == "fix_nik":
            rows.append(BeforeAfter(_("NIK"), who, now.nik if now else "—", _nik(op.get("nik"))))
        elif kind == "remove":
            why = _(REMOVE_WHY.get(op.get("why"), op.get("why") or "—"))
            rows.append(BeforeAfter(_("Anggota"), who, _("anggota keluarga"),
                                    _("dikeluarkan (%(why)s)") % {"why": why}))
        elif kind == "head":
            rows.append(BeforeAfter(_("Kepala keluarga"), who, head or "—", who))
        elif kind == "add":
            after = _("%(name)s (%(rel)s, lahir %(birth)s, NIK %(nik)s)") % {
                "name": op.get("nama"),
            "rel": code_label("hubungan_dengan_kepala_keluarga", op.get("hubungan")) or "—",
                "birth": op.get("tanggal_lahir") or "—", "nik": _nik(op.get("nik"))}
            rows.append(BeforeAfter(_("Anggota baru"), "", "—", after))
        elif kind == "address":
            rows.append(BeforeAfter(_("Alamat"), "", alamat or "—", op.get("alamat") or "—"))
    return rows
