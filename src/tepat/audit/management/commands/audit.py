"""`tepat audit reveals`: the daily access digest on the command line (issue 16 §6).

    tepat audit reveals [--day YYYY-MM-DD] [--format json|table]

One row per user who revealed a NIK/KK, exported personal data or hit the reveal limit that
day (local time), with the previous 30 days' daily mean and median, the purposes and whether
the day is unusual (`core.reveals.is_unusual`). Counts only: no NIK, no KK.
"""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tepat.audit.digest import UserDay, reveal_digest


def _as_dict(row: UserDay) -> dict:
    return {
        "user": row.user.username, "role": row.user.role, "area": row.user.area_id,
        "reveals": row.reveals.today, "reveals_mean": round(row.reveals.mean, 2),
        "reveals_median": row.reveals.usual, "exports": row.exports.today,
        "exports_mean": round(row.exports.mean, 2), "exports_median": row.exports.usual,
        "purposes": row.purposes, "limit_hits": row.limit_hits, "unusual": row.unusual,
    }


def _table(rows: list[dict]) -> str:
    head = ("user", "reveals", "mean", "exports", "mean", "limit hits", "unusual", "purposes")
    lines = ["\t".join(head)]
    for r in rows:
        purposes = ", ".join(f"{code or '-'}:{n}" for code, n in sorted(r["purposes"].items()))
        lines.append("\t".join(str(v) for v in (
            r["user"], r["reveals"], r["reveals_mean"], r["exports"], r["exports_mean"],
            r["limit_hits"], "YES" if r["unusual"] else "", purposes)))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Log akses harian / daily access digest: tepat audit reveals [--day YYYY-MM-DD]"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        reveals = sub.add_parser("reveals", help="reveals and exports per user for one day")
        reveals.add_argument("--day", help="YYYY-MM-DD, local time (default: today)")
        reveals.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options) -> None:
        day = timezone.localdate()
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError:
                raise CommandError(f"Tanggal {options['day']!r} tidak sah (YYYY-MM-DD). / "
                                   f"Not a date (YYYY-MM-DD).") from None
        rows = [_as_dict(row) for row in reveal_digest(day)]
        if options["format"] == "json":
            self.stdout.write(json.dumps({"day": day.isoformat(), "users": rows}, indent=2))
        else:
            self.stdout.write(f"{day.isoformat()}: {len(rows)} users, "
                              f"{sum(r['unusual'] for r in rows)} unusual")
            self.stdout.write(_table(rows))
