"""`tepat history cohort`: where the families of an earlier target list went (issue 17 §5).

    tepat history cohort --from LIST --to LIST [--area CODE] [--format json|table]

LIST is a target list's id or its SK Bupati number. Counts per kecamatan, in keluarga and jiwa,
for the whole regency (or one kecamatan with --area). Counts only: no name, no NIK, no KK.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from tepat.regions.models import Level, Region
from tepat.verification.models import TargetList


def target_list(value: str, option: str) -> TargetList:
    """A list by id or by SK number; a clear error when none or several match."""
    by_id = Q(pk=int(value)) if value.strip().isdigit() else Q(pk__in=[])
    found = list(TargetList.objects.filter(by_id | Q(sk_number=value.strip()))[:2])
    if not found:
        raise CommandError(f"{option}: daftar sasaran {value!r} tidak ada (id atau nomor SK). / "
                           f"{option}: no target list {value!r} (id or SK number).")
    if len(found) > 1:
        raise CommandError(f"{option}: {value!r} cocok dengan lebih dari satu daftar; pakai id. / "
                           f"{option}: {value!r} matches several lists; use the id.")
    return found[0]


def regency() -> str:
    top = Region.objects.filter(level=Level.KABUPATEN).order_by("code").first()
    if top is None:
        raise CommandError("Wilayah belum dimuat (tepat regions load). / "
                           "No regions loaded (tepat regions load).")
    return top.code


def table(result: dict, headers: list[str], rows: list[list[object]]) -> str:
    lines = [f"{result['from']['name']} ({result['from']['sk_number']}) -> "
             f"{result['to']['name']} ({result['to']['sk_number']})",
             "\t".join(headers)]
    lines += ["\t".join(str(cell) for cell in row) for row in rows]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Riwayat / history: tepat history cohort --from LIST --to LIST [--format json|table]"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        cohort = sub.add_parser("cohort", help="families of an earlier list on a later one")
        cohort.add_argument("--from", dest="earlier", required=True,
                            help="earlier target list: id or SK number")
        cohort.add_argument("--to", dest="later", required=True,
                            help="later target list: id or SK number")
        cohort.add_argument("--area", help="a kecamatan code (default: the whole regency)")
        cohort.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options) -> None:
        from tepat.history import cohort as history

        earlier = target_list(options["earlier"], "--from")
        later = target_list(options["later"], "--to")
        if (earlier.sk_date, earlier.pk) >= (later.sk_date, later.pk):
            raise CommandError("--from harus daftar yang ditetapkan sebelum --to. / "
                               "--from must be a list fixed before --to.")
        area = options["area"] or regency()
        if not Region.objects.filter(code=area).exclude(level=Level.DESA).exists():
            raise CommandError(f"--area: wilayah {area} tidak dikenal (kode kecamatan). / "
                               f"--area: unknown area {area} (a kecamatan code).")
        result = history.cohort(earlier, later, area=area)
        data = history.as_dict(result)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(table(data, history.headers(), history.table_rows(result)))
