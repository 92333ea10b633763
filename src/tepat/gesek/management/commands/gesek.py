"""`tepat gesek …`: Gesek Ekstrem from the command line.

    tepat gesek assign [--dry-run] [--list ID] [--quota II=15,III=40,IV=80]
                       [--replace-manual] [--format json|table] [--user USERNAME]

`assign` gives every family of the target list (default: the current one) an official of its
kecamatan's team (tepat.gesek.assigning.auto_assign) and prints the report: families assigned,
load per official, unassigned with reasons, total distance and solve time. The run is audited
under USERNAME (default: the first active admin kabupaten).
"""

from __future__ import annotations

import json
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from tepat.core.strategies import ESELON
from tepat.gesek.commandline import target_list_option
from tepat.verification.errors import RuleError


def parse_quotas(text: str) -> dict[str, int]:
    """'II=15,III=40,IV=80' → {"II": 15, "III": 40, "IV": 80}; a clear error naming the part."""
    quotas: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        eselon, sep, value = (s.strip() for s in part.partition("="))
        if not sep or eselon.upper() not in ESELON or not value.isdigit():
            raise CommandError(
                f"--quota: bagian {part!r} tidak dipahami; contoh yang benar: II=15,III=40,IV=80 "
                f"(eselon {', '.join(ESELON)}, kuota bilangan bulat ≥ 0). / "
                f"--quota: cannot read {part!r}; expected e.g. II=15,III=40,IV=80.")
        quotas[eselon.upper()] = int(value)
    return quotas


def _actor(username: str | None) -> Any:
    from tepat.accounts.models import Role, User

    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Pengguna {username!r} tidak ada. / No user {username!r}.")
        return user
    user = (User.objects.filter(role=Role.ADMIN_KABUPATEN, is_active=True)
            .order_by("pk").first())
    if user is None:
        raise CommandError("Tidak ada admin kabupaten aktif; sebutkan --user. / "
                           "No active admin kabupaten; pass --user.")
    return user


def write_table(report: dict[str, Any], out: IO[str]) -> None:
    """The report as text: a summary, the load per official, the unassigned families."""
    r = report
    out.write(
        f"Daftar sasaran / target list #{r['target_list']['id']}: {r['target_list']['name']}"
        f"{'  [DRY RUN: nothing written]' if r['dry_run'] else ''}\n"
        f"Satuan / unit: keluarga (families); distances in km (desa centroid to the official's "
        f"base)\n"
        f"families {r['families']}  assigned {r['assigned']} (auto {r['assigned_auto']}, "
        f"manual kept {r['kept_manual']})  unassigned {r['unassigned_total']}  "
        f"replaced {r['replaced']}\n"
        f"quotas {', '.join(f'{k}={v}' for k, v in r['quotas'].items())}  balance ±"
        f"{r['balance_tolerance'] * 100:g}%  total_distance_km {r['total_distance_km']:.1f}  "
        f"solve_seconds {r['solve_seconds']:.3f}\n\n")
    columns = [("kecamatan", 9), ("nip", 18), ("name", 24), ("eselon", 6), ("agency", 12),
               ("load", 5), ("manual", 6), ("quota", 5), ("load_ratio", 10),
               ("distance_km", 11)]
    _rows(out, columns, r["officials"])
    if r["unassigned"]:
        out.write("\nTidak tertugaskan / unassigned (keluarga):\n")
        _rows(out, [("reason", 11), ("kecamatan", 9), ("desa", 13), ("desa_name", 18),
                    ("families", 8), ("label", 0)], r["unassigned"])


def _rows(out: IO[str], columns: list[tuple[str, int]], rows: list[dict[str, Any]]) -> None:
    def cell(value: Any, width: int) -> str:
        if isinstance(value, float):
            return f"{value:.2f}".rjust(width)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value).rjust(width)
        text = "—" if value is None else str(value)
        return text[:width].ljust(width) if width else text

    out.write("  ".join(name.ljust(width) for name, width in columns).rstrip() + "\n")
    for row in rows:
        out.write("  ".join(cell(row[name], width) for name, width in columns).rstrip() + "\n")


class Command(BaseCommand):
    help = "Gesek Ekstrem: penugasan otomatis pejabat pendamping / automatic assignment"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        assign = sub.add_parser("assign", help="assign target families to their kecamatan team")
        assign.add_argument("--dry-run", action="store_true", help="compute and print only")
        assign.add_argument("--list", type=int, dest="target_list",
                            help="target list id (default: the current one)")
        assign.add_argument("--quota", default="",
                            help="most families per official by eselon, e.g. II=15,III=40,IV=80")
        assign.add_argument("--replace-manual", action="store_true",
                            help="also replace manual assignments (default: keep them)")
        assign.add_argument("--format", choices=["json", "table"], default="table")
        assign.add_argument("--user", help="who runs it, for the audit (an admin kabupaten)")

    def handle(self, *args, **options) -> None:
        from tepat.gesek.assigning import auto_assign

        quotas = parse_quotas(options["quota"])
        target_list, actor = target_list_option(options["target_list"]), _actor(options["user"])
        try:
            report = auto_assign(target_list, actor=actor, dry_run=options["dry_run"],
                                 quotas=quotas, keep_manual=not options["replace_manual"])
        except RuleError as error:
            raise CommandError(str(error)) from None
        data = report.as_dict()
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            write_table(data, self.stdout)
