"""Forms of the desa operator's verification pages (DESIGN.md §3, issue 3 §2).

The forms only read and type the input; every rule (required reasons, identity checks, states,
versions) is the services' (`tepat.verification.services`), whose refusals the views show next
to the fields they name.

Corrections of members and the members of an usulan baru are rows of plain inputs, numbered by a
prefix (`m<person id>-…` for an existing member, `a<n>-…` for a new one) so that a page can add
rows without a formset's bookkeeping. A NIK or KK already saved is never written back into the
page: the input stays empty, the page shows the masked number, an empty input keeps it and a
"hapus" box drops it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from tepat.core import codes
from tepat.core.corrections import REMOVE_WHY
from tepat.core.identity import mask, normalize_number
from tepat.core.outcomes import MAMPU_REASONS, OUTCOMES
from tepat.verification.labels import outcome_label
from tepat.web.family_choice import FamilyChoiceField, FamilyChoices
from tepat.web.validators import no_formula

NEW_ROW = re.compile(r"^a(\d+)-nama$")
MAX_NEW_ROWS = 40  # a family card has at most a few dozen lines; more is a tampered form


def outcome_choices() -> list[tuple[str, str]]:
    return [(o.code, outcome_label(o.code)) for o in OUTCOMES.values()]


def reason_choices() -> list[tuple[str, str]]:
    return [("", gettext("— pilih alasan —"))] + [(k, gettext(v)) for k, v in
                                                   MAMPU_REASONS.items()]


def remove_choices() -> list[tuple[str, str]]:
    return [("", gettext("Tidak dihapus"))] + [(k, gettext(v)) for k, v in REMOVE_WHY.items()]


def _coordinate(raw: str, limit: int, label: str) -> Decimal | None:
    if not raw:
        return None
    try:
        value = Decimal(raw).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not -limit <= value <= limit:
        raise forms.ValidationError(gettext("%(label)s dari GPS tidak terbaca; tekan "
                                            "'Ambil lokasi' lagi.") % {"label": label})
    return value


class LocationMixin(forms.Form):
    """Latitude and longitude filled by the phone's GPS (hidden inputs, see verify.js)."""

    latitude = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)

    def clean_latitude(self) -> Decimal | None:
        return _coordinate(self.cleaned_data.get("latitude", ""), 90, gettext("Lintang"))

    def clean_longitude(self) -> Decimal | None:
        return _coordinate(self.cleaned_data.get("longitude", ""), 180, gettext("Bujur"))


class VerificationForm(LocationMixin):
    """The desa's findings on one family; the correction rows are read by `corrections_from`."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Hasil verifikasi"), required=False,
                                widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Alasan sudah mampu"), required=False)
    destination = forms.CharField(
        label=_("Pindah ke mana"), required=False, max_length=200,
        help_text=_("Desa/kecamatan/kabupaten tujuan, bila diketahui."))
    duplicate_of = FamilyChoiceField(label=_("Keluarga yang sama (data ganda dari)"),
                                     required=False)
    note = forms.CharField(label=_("Catatan"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    alamat_baru = forms.CharField(label=_("Alamat yang benar"), required=False, max_length=300,
                                  validators=[no_formula],
                                  help_text=_("Kosongkan bila alamat sudah benar."))
    head = forms.ChoiceField(label=_("Kepala keluarga baru"), required=False,
                             widget=forms.RadioSelect)

    def __init__(self, *args: Any, duplicates: QuerySet, duplicate_now: Any = None,
                 likely: Sequence[int] = (), members: Sequence[tuple[int, str]] = (),
                 **kwargs: Any) -> None:
        """`duplicates`: the families that may be chosen (scoped to the user);
        `duplicate_now`: the one chosen before, kept as a choice even if it left them;
        `likely`: those sharing a person with this family, put first."""
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcome_choices()
        self.fields["reason"].choices = reason_choices()
        self.fields["duplicate_of"].families = FamilyChoices(
            duplicates, empty_label=gettext("— pilih keluarga —"), current=duplicate_now,
            likely=likely)
        self.fields["head"].choices = [("", gettext("Tidak berubah")), *members]


class BulkForm(forms.Form):
    """One outcome for the families ticked on the worklist (paper results of the musdes)."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    outcome = forms.ChoiceField(label=_("Hasil untuk semua yang dipilih"))
    reason = forms.ChoiceField(label=_("Alasan sudah mampu"), required=False)
    note = forms.CharField(label=_("Catatan"), required=False, max_length=2000)

    def __init__(self, *args: Any, ids: Sequence[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(pk, pk) for pk in ids]
        self.fields["outcome"].choices = [("", gettext("— pilih hasil —")), *outcome_choices()]
        self.fields["reason"].choices = reason_choices()


class MusdesForm(forms.Form):
    held_on = forms.DateField(label=_("Tanggal musdes"),
                              widget=forms.DateInput(attrs={"type": "date"}))
    attendance = forms.IntegerField(label=_("Jumlah hadir (orang)"), min_value=1,
                                    max_value=100_000)
    berita_acara = forms.FileField(
        label=_("Berita acara yang sudah ditandatangani"), required=False,
        help_text=_("PDF atau foto (JPEG/PNG), paling besar 10 MB."),
        error_messages={"required": _("Unggah berita acara musdes yang sudah ditandatangani.")},
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/*"}))
    note = forms.CharField(label=_("Catatan"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, has_document: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The first record needs the document; a later one may keep the uploaded file.
        self.fields["berita_acara"].required = not has_document


class ProposalForm(LocationMixin):
    """An usulan baru; its members are rows read by `new_member_rows`."""

    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    kepala_keluarga = forms.CharField(label=_("Nama kepala keluarga"), max_length=150,
                                      validators=[no_formula])
    no_kk = forms.CharField(label=_("No. KK"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                          "autocomplete": "off"}))
    no_kk_hapus = forms.BooleanField(label=_("Hapus No. KK tersimpan"), required=False)
    alamat = forms.CharField(label=_("Alamat"), required=False, max_length=500,
                             validators=[no_formula], widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("Catatan"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    seen_duplicates = forms.CharField(required=False, max_length=2000,
                                      widget=forms.HiddenInput)
    not_duplicate = forms.BooleanField(
        label=_("Saya sudah memeriksa: keluarga ini bukan salah satu keluarga di atas."),
        required=False)

    def clean_seen_duplicates(self) -> set[int]:
        raw = self.cleaned_data.get("seen_duplicates", "")
        return {int(x) for x in raw.split(",") if x.strip().isdigit()}


# --- rows of members -----------------------------------------------------------------------


@dataclass
class MemberRow:
    """Corrections of one existing member, as the inputs show them."""

    person: Any
    nama: str = ""
    nik: str = ""  # typed in this request (echoed back only in the answer to it)
    nik_saved: str = ""  # the saved corrected NIK, masked
    nik_drop: bool = False
    why: str = ""

    @property
    def prefix(self) -> str:
        return f"m{self.person.pk}"

    @property
    def changed(self) -> bool:
        return bool(self.nama or self.nik or self.nik_saved or self.why)


@dataclass
class NewMemberRow:
    """A member added to a family, or a member of an usulan baru."""

    index: int
    nama: str = ""
    nik: str = ""
    nik_saved: str = ""  # masked
    nik_drop: bool = False
    hubungan: str = ""
    jenis_kelamin: str = ""
    tanggal_lahir: str = ""

    @property
    def prefix(self) -> str:
        return f"a{self.index}"

    @property
    def empty(self) -> bool:
        return not any((self.nama, self.nik, self.hubungan, self.jenis_kelamin,
                        self.tanggal_lahir))


def _text(data: Mapping[str, Any], key: str, limit: int = 200) -> str:
    return str(data.get(key, "") or "").strip()[:limit]


def _saved_niks(corrections: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    return {op["person"]: op["nik"] for op in corrections if op.get("op") == "fix_nik"}


def member_rows(members: Sequence[Any], corrections: Sequence[Mapping[str, Any]],
                data: Mapping[str, Any] | None = None) -> list[MemberRow]:
    """One row per existing member: from the saved corrections, or from the POSTed inputs."""
    niks = _saved_niks(corrections)
    rows = []
    for person in members:
        saved_nik = mask(niks[person.pk]) if niks.get(person.pk) else ""
        row = MemberRow(person, nik_saved=saved_nik)
        p = row.prefix
        if data is None:
            for op in corrections:
                if op.get("person") == person.pk and op["op"] == "rename":
                    row.nama = op["nama"]
                if op.get("person") == person.pk and op["op"] == "remove":
                    row.why = op["why"]
        else:
            row.nama, row.nik = _text(data, f"{p}-nama"), _text(data, f"{p}-nik", 40)
            row.why, row.nik_drop = _text(data, f"{p}-hapus", 20), bool(data.get(f"{p}-nik_hapus"))
        rows.append(row)
    return rows


def posted_rows(data: Mapping[str, Any]) -> int:
    """How many member blocks a posted form had (filled or not)."""
    return len({m.group(1) for key in data if (m := NEW_ROW.match(key))})


def new_member_rows(saved: Sequence[Mapping[str, Any]], data: Mapping[str, Any] | None = None,
                    *, minimum: int = 0, blank: int = 1) -> list[NewMemberRow]:
    """Rows of new members: the saved ones (NIK masked) or the filled POSTed ones, then `blank`
    empty rows, or as many as make `minimum` rows."""
    if data is None:
        rows = [NewMemberRow(i, nama=m.get("nama", ""),
                             nik_saved=mask(m["nik"]) if m.get("nik") else "",
                             hubungan=m.get("hubungan", ""),
                             jenis_kelamin=m.get("jenis_kelamin", ""),
                             tanggal_lahir=m.get("tanggal_lahir", ""))
                for i, m in enumerate(saved)]
    else:
        indexes = sorted({int(m.group(1)) for key in data if (m := NEW_ROW.match(key))})
        rows = []  # rows left empty are dropped: blank ones are added below
        for i in indexes[:MAX_NEW_ROWS]:
            p = f"a{i}"
            rows.append(NewMemberRow(
                i, nama=_text(data, f"{p}-nama", 150), nik=_text(data, f"{p}-nik", 40),
                nik_saved=mask(saved[i]["nik"]) if i < len(saved) and saved[i].get("nik")
                else "",
                nik_drop=bool(data.get(f"{p}-nik_hapus")), hubungan=_text(data, f"{p}-hubungan"),
                jenis_kelamin=_text(data, f"{p}-jenis_kelamin"),
                tanggal_lahir=_text(data, f"{p}-tanggal_lahir", 20)))
        rows = [row for row in rows if not row.empty]
    start = max((r.index for r in rows), default=-1) + 1
    blanks = max(blank, minimum - len(rows))
    return rows + [NewMemberRow(start + i) for i in range(blanks)]


def _kept_nik(typed: str, saved_full: str | None, drop: bool) -> str:
    """The NIK to store: the one typed, else the saved one unless the user dropped it."""
    if typed:
        return typed
    return "" if drop or not saved_full else saved_full


def new_members(rows: Sequence[NewMemberRow], saved: Sequence[Mapping[str, Any]],
                ) -> list[dict[str, Any]]:
    """The filled rows as member dicts (the shape of corrections' `add`, without `op`)."""
    found = []
    for row in rows:
        if row.empty:
            continue
        saved_nik = saved[row.index].get("nik") if row.index < len(saved) else None
        found.append({"nama": row.nama, "nik": _kept_nik(row.nik, saved_nik, row.nik_drop),
                      "hubungan": row.hubungan, "jenis_kelamin": row.jenis_kelamin,
                      "tanggal_lahir": row.tanggal_lahir})
    return found


def corrections_from(form: VerificationForm, members: Sequence[Any],
                     rows: Sequence[MemberRow], added: Sequence[NewMemberRow],
                     saved: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The `corrections` operations of tepat.core.corrections that the inputs describe."""
    niks = _saved_niks(saved)
    ops: list[dict[str, Any]] = []
    for row in rows:
        person = row.person
        if row.nama and row.nama != (person.nama or ""):
            ops.append({"op": "rename", "person": person.pk, "nama": row.nama})
        if nik := _kept_nik(normalize_number(row.nik) or row.nik, niks.get(person.pk),
                            row.nik_drop):
            ops.append({"op": "fix_nik", "person": person.pk, "nik": nik})
        if row.why:
            ops.append({"op": "remove", "person": person.pk, "why": row.why})
    head = form.cleaned_data.get("head")
    current_head = next((p.pk for p in members if p.hubungan == "1"), None)
    if head and int(head) != current_head:
        ops.append({"op": "head", "person": int(head)})
    saved_adds = [op for op in saved if op.get("op") == "add"]
    ops += [{"op": "add", **m} for m in new_members(added, saved_adds)]
    if alamat := form.cleaned_data.get("alamat_baru"):
        ops.append({"op": "address", "alamat": alamat})
    return ops


def initial_from(verification: Any) -> dict[str, Any]:
    """The form's initial values from a saved verification."""
    head = next((op["person"] for op in verification.corrections or []
                 if op.get("op") == "head"), "")
    alamat = next((op["alamat"] for op in verification.corrections or []
                   if op.get("op") == "address"), "")
    return {
        "version": verification.version, "outcome": verification.outcome,
        "reason": verification.reason, "destination": verification.destination,
        "duplicate_of": verification.duplicate_of_id, "note": verification.note,
        "alamat_baru": alamat, "head": head,
        "latitude": verification.latitude or "", "longitude": verification.longitude or "",
    }


# The labels in the reader's language (the catalogue holds them: tepat.web.code_labels).
HUBUNGAN_CHOICES = [(code, gettext_lazy(label)) for code, label in codes.HUBUNGAN.choices]
JENIS_KELAMIN_CHOICES = [(code, gettext_lazy(label))
                         for code, label in codes.JENIS_KELAMIN.choices]
