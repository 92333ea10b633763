"""`tepat plan`: which programme should serve which target family this year (issue 4 §5).

    tepat plan [--list ID] [--year Y] [--objective families|needs] [--time-limit S]
               [--assignments] [--format json|table]

Prints families served, needs closed, cost, the LP bound, the gap and the solve time of the
optimal plan (a MILP solved with HiGHS), the same for a greedy plan, and the minimum budget that
would give every target family one intervention in each strategy it needs. Read-only.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tepat.core.planning import OBJECTIVES, TIME_LIMIT
from tepat.gesek.commandline import target_list_option
from tepat.verification.errors import RuleError


class Command(BaseCommand):
    help = "Rencana anggaran program (MILP, HiGHS) / budget plan of the programmes"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--list", dest="target_list", type=int,
                            help="target list id (default: the current one)")
        parser.add_argument("--year", type=int,
                            help="programme year (default: the list's, or the latest)")
        parser.add_argument("--objective", choices=OBJECTIVES, default="families",
                            help="serve the most families (default) or close the most needs")
        parser.add_argument("--time-limit", type=float, default=TIME_LIMIT,
                            help=f"seconds per MILP (default {TIME_LIMIT:g})")
        parser.add_argument("--assignments", action="store_true",
                            help="JSON: add the (entry, programme) pairs of the plan")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options) -> None:
        from tepat.interventions.planning import plan_command, plan_from_db

        target_list = target_list_option(options["target_list"])
        if options["time_limit"] <= 0:
            raise CommandError("--time-limit harus lebih dari 0 detik. / must be > 0 s.")
        try:
            report = plan_from_db(target_list, year=options["year"],
                                  objective=options["objective"],
                                  time_limit=options["time_limit"])
        except RuleError as error:
            raise CommandError(str(error)) from None
        plan_command(report, fmt=options["format"], out=self.stdout,
                     assignments=options["assignments"])
