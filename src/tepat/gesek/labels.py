"""The strategy, need-kind and funding labels of tepat.core.strategies, marked for translation
(the core never imports Django). A test keeps this list equal to the core's."""

from __future__ import annotations

from django.utils.translation import gettext_noop

MARKED = (
    gettext_noop("PBI-JK (jaminan kesehatan)"),
    gettext_noop("PKH"),
    gettext_noop("BPNT / sembako"),
    gettext_noop("PIP / KIP (bantuan sekolah)"),
    gettext_noop("Pelatihan keterampilan"),
    gettext_noop("Modal usaha"),
    gettext_noop("Penempatan kerja"),
    gettext_noop("Bedah rumah (RTLH)"),
    gettext_noop("Jamban sehat"),
    gettext_noop("Air bersih"),
    gettext_noop("Sambungan listrik"),
    gettext_noop("Lahan / sertifikat tanah"),
    gettext_noop("Mengurangi beban pengeluaran"),
    gettext_noop("Meningkatkan pendapatan"),
    gettext_noop("Mengurangi kantong kemiskinan"),
    gettext_noop("APBN"),
    gettext_noop("APBD provinsi"),
    gettext_noop("APBD kabupaten"),
    gettext_noop("Dana Desa"),
    gettext_noop("CSR / Baznas"),
)
