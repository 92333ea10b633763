"""`tepat disburse`: an agency's disbursement file imported for one programme (issue 17 §6).

    tepat disburse FILE --programme ID --user USERNAME [--dry-run] [--format json|table]

The same service as the page (`interventions.disbursement`): the file is read in the limited
child process, matched in the user's area, planned, and (without `--dry-run`) written in one
transaction with its audit events. For files too large for a web request. Prints the counts per
action and the refused rows (file, row, column, expected value; NIK masked).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tepat.verification.errors import RuleError


def _user(username: str) -> Any:
    from tepat.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"Pengguna {username!r} tidak ada atau tidak aktif. / No active user "
                           f"{username!r}.")
    return user


class Command(BaseCommand):
    help = "Impor berkas penyaluran (siapa yang dibayar) / import a disbursement file"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--programme", type=int, required=True, help="programme id")
        parser.add_argument("--user", required=True,
                            help="who imports it, for the audit (admin kabupaten or the "
                                 "programme's OPD operator)")
        parser.add_argument("--dry-run", action="store_true", help="plan only; write nothing")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options) -> None:
        from tepat.interventions.beneficiary_file import UploadRejected
        from tepat.interventions.disbursement import import_disbursements, preview_disbursements
        from tepat.interventions.models import Programme

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Berkas {path.name} tidak ditemukan. / File {path.name} was not "
                               "found.")
        programme = Programme.objects.filter(pk=options["programme"]).first()
        if programme is None:
            raise CommandError(f"Program {options['programme']} tidak ada. / No programme "
                               f"{options['programme']}.")
        run = preview_disbursements if options["dry_run"] else import_disbursements
        try:
            plan = run(programme, path, actor=_user(options["user"]), file_name=path.name)
        except UploadRejected as error:
            raise CommandError("\n".join(f"{p.message_id} / {p.message_en}"
                                         for p in error.file_problems)) from None
        except RuleError as error:
            raise CommandError(str(error)) from None
        summary = {**plan.summary(), "dry_run": options["dry_run"],
                   "upload": plan.upload.pk if plan.upload else None}
        summary["refused_rows"] = [f"{p.message_id} / {p.message_en}" for p in plan.problems]
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1))
            return
        for key in ("rows", "new", "planned", "update", "same", "waiting", "waiting_already",
                    "refused", "paid", "failed", "amount_paid", "upload"):
            self.stdout.write(f"{key:16} {summary[key]}")
        for line in summary["refused_rows"]:
            self.stdout.write(line)
