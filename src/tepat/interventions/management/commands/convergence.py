"""`tepat convergence`: who gets what among the target families (issue 4 §4).

    tepat convergence [--by kecamatan|desa|official|programme] [--list ID] [--area CODE]
                      [--format json|table]

Rows per kecamatan are ranked lowest coverage first (what the TKPK discusses first); every
count of families is given in keluarga and in jiwa.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tepat.gesek.commandline import target_list_option
from tepat.regions.models import Region


class Command(BaseCommand):
    help = "Analisis konvergensi daftar sasaran / convergence of the target list"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--by", choices=["kecamatan", "desa", "official", "programme"],
                            default="kecamatan")
        parser.add_argument("--list", dest="target_list", type=int,
                            help="target list id (default: the current one)")
        parser.add_argument("--area", help="kecamatan or desa code (default: the whole list)")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options) -> None:
        from tepat.interventions.convergence import convergence_command, report

        target_list = target_list_option(options["target_list"])
        area = options["area"]
        if area and not Region.objects.filter(code=area).exists():
            raise CommandError(f"Wilayah {area} tidak dikenal. / Unknown area {area}.")
        rep = report(target_list, area=area)
        if rep is None:
            raise CommandError("Belum ada daftar sasaran. / No target list yet.")
        convergence_command(rep, by=options["by"], fmt=options["format"], out=self.stdout)
