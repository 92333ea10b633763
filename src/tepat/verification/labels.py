"""The outcome and reason labels of tepat.core.outcomes, marked for translation.

The core keeps its labels in Indonesian (it never imports Django); listing them here as
literals lets `makemessages` put them in the catalogue, and `outcome_label` / `reason_label`
show them in the user's language. A test keeps this list equal to the core's.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from tepat.core.outcomes import MAMPU_REASONS, OUTCOMES

MARKED = (
    gettext_noop("Masih layak (tetap sasaran)"),
    gettext_noop("Masih layak, data/anggota berubah"),
    gettext_noop("Sudah mampu / tidak memenuhi kriteria"),
    gettext_noop("Pindah domisili"),
    gettext_noop("Meninggal / keluarga bubar"),
    gettext_noop("Tidak ditemukan di alamat"),
    gettext_noop("Data ganda"),
    gettext_noop("Menjadi ASN/PPPK/TNI/Polri"),
    gettext_noop("Penghasilan sudah cukup"),
    gettext_noop("Memiliki aset (kendaraan, tanah, usaha, ternak)"),
    gettext_noop("Kebutuhan dasar sudah terpenuhi"),
    gettext_noop("Lainnya (tulis di catatan)"),
)


def outcome_label(code: str | None) -> str:
    """The outcome's label in the active language ('' when there is none)."""
    return gettext(OUTCOMES[code].label) if code in OUTCOMES else ""


def reason_label(code: str | None) -> str:
    return gettext(MAMPU_REASONS[code]) if code in MAMPU_REASONS else ""
