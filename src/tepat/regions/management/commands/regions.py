from django.core.management.base import BaseCommand, CommandError

from tepat.core.regions import DEFAULT_KABUPATEN
from tepat.regions.services import UnknownKabupaten, load_kabupaten


class Command(BaseCommand):
    help = "Load the regions of one kabupaten from the Kemendagri 2025 table (default 35.13)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"])
        parser.add_argument(
            "--kabupaten",
            default=DEFAULT_KABUPATEN,
            help="Kemendagri code, e.g. 35.13 (Kab. Probolinggo)",
        )

    def handle(self, *args, action, kabupaten, **options):
        try:
            result = load_kabupaten(kabupaten.strip())
        except UnknownKabupaten as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{result.kabupaten}: {result.kecamatan} kecamatan, {result.desa} desa, "
            f"{result.kelurahan} kelurahan ({result.created} baru, {result.updated} diperbarui)"
        )
