"""`tepat setup --kabupaten CODE`: make this instance the one of a kabupaten/kota.

Migrates the database, loads the kabupaten's regions from the packaged Kemendagri 2025 table,
records the kabupaten as the instance's (`regions.Instance`, read by every page, report, map and
the synthetic data) and says which maps it will have: desa-level where a desa layer is packaged
(Jawa Timur) or loaded by an admin (`tepat regions boundaries FILE`), else kecamatan-level.
Safe to run again; refused when the registry already holds families of another kabupaten.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tepat.core.regions import DEFAULT_KABUPATEN, national_table, normalize_code
from tepat.regions import boundaries
from tepat.regions.services import RegencyRefused, UnknownKabupaten, load_kabupaten, set_regency
from tepat.registry.models import Family


def _kabupaten_code(raw: str) -> str:
    code = normalize_code(raw)
    found = national_table().get(code) if code else None
    if found is None or found.level != "kabupaten":
        raise CommandError(
            f"Kode kabupaten/kota {raw!r} tidak ada di tabel Kemendagri 2025; diharapkan kode "
            f"dua bagian seperti 35.07 (Kab. Malang) atau 35.78 (Kota Surabaya) / no such "
            f"kabupaten/kota code in the Kemendagri 2025 table; a two-part code like 35.07 or "
            f"35.78 was expected")
    return found.code


def families_elsewhere(kabupaten: str) -> int:
    """Families of the registry outside the kabupaten (set-up refuses to move an instance)."""
    held = Family.objects.unscoped("service: set-up, does the registry hold another regency")
    return held.exclude(desa__code__startswith=kabupaten + ".").count()


def map_level_text(kabupaten: str) -> str:
    source = boundaries.desa_layer_source(kabupaten)
    if source == "admin":
        return "Peta: tingkat desa (batas desa dimuat admin) / desa-level maps (admin's layer)"
    if source == "packaged":
        return "Peta: tingkat desa (batas desa terpaket) / desa-level maps (packaged layer)"
    return ("Peta: tingkat kecamatan; batas desa/kelurahan belum ada. Muat GeoJSON desa dengan "
            "`tepat regions boundaries BERKAS` / kecamatan-level maps; no desa boundaries yet: "
            "load a desa GeoJSON with `tepat regions boundaries FILE`")


class Command(BaseCommand):
    help = "Set this instance up for one kabupaten/kota (Kemendagri code, default 35.13)."

    def add_arguments(self, parser):
        parser.add_argument("--kabupaten", default=DEFAULT_KABUPATEN,
                            help="Kemendagri code, e.g. 35.07 (Kab. Malang), 35.78 (Kota "
                                 "Surabaya), 34.04 (Kab. Sleman)")

    def handle(self, *args, kabupaten, **options):
        code = _kabupaten_code(kabupaten)
        call_command("migrate", verbosity=0, interactive=False)
        elsewhere = families_elsewhere(code)
        if elsewhere:
            raise CommandError(
                f"Registri instans ini sudah berisi {elsewhere:,} keluarga di luar {code}; "
                f"kabupaten instans tidak dapat diganti. Buat instans baru (TEPAT_HOME atau "
                f"DATABASE_URL lain). / This instance's registry already holds {elsewhere:,} "
                f"families outside {code}; make a new instance instead.")
        try:
            loaded = load_kabupaten(code)
            changed = set_regency(code)
        except (UnknownKabupaten, RegencyRefused) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Instans: {loaded.kabupaten}, {loaded.kecamatan} kecamatan, {loaded.desa} desa, "
            f"{loaded.kelurahan} kelurahan" + ("" if changed else " (tidak berubah / unchanged)"))
        self.stdout.write(map_level_text(code))

