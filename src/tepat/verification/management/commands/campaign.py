"""`tepat campaign …`: the campaign's figures and its offline forms, for scripts and operators.

    tepat campaign progress [CAMPAIGN] --by kecamatan|desa --format json|table
    tepat campaign xlsform CAMPAIGN --desa CODE --out FILE.xlsx
    tepat campaign import-submissions CAMPAIGN FILE.csv --user USERNAME
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tepat.verification.errors import RuleError
from tepat.verification.models import Campaign
from tepat.verification.selectors import current_campaign


def campaign_from(value: str | None) -> Campaign:
    """A campaign by id, or the current one when no id is given."""
    if value is None:
        campaign = current_campaign()
        if campaign is None:
            raise CommandError("Belum ada kampanye yang dibuka. / No campaign has been opened.")
        return campaign
    campaign = Campaign.objects.filter(pk=int(value) if value.isdigit() else -1).first()
    if campaign is None:
        raise CommandError(f"Kampanye {value} tidak ada. / Campaign {value} does not exist.")
    return campaign


class Command(BaseCommand):
    help = "Progres kampanye verval dan formulir ODK / campaign progress and ODK forms"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        progress = sub.add_parser("progress", help="progress and list shrink (DESIGN.md §4)")
        progress.add_argument("campaign", nargs="?")
        progress.add_argument("--by", choices=["kabupaten", "kecamatan", "desa"],
                              default="kecamatan")
        progress.add_argument("--format", choices=["json", "table"], default="table")
        xlsform = sub.add_parser("xlsform", help="the ODK/Kobo form of one desa")
        xlsform.add_argument("campaign")
        xlsform.add_argument("--desa", required=True)
        xlsform.add_argument("--out", required=True)
        submissions = sub.add_parser("import-submissions", help="ODK/Kobo CSV export back in")
        submissions.add_argument("campaign")
        submissions.add_argument("file")
        submissions.add_argument("--user", required=True, help="who imports (audit)")
        submissions.add_argument("--submit", action="store_true",
                                 help="submit complete rows to the kecamatan (default: drafts)")

    def handle(self, *args, **options) -> None:
        campaign = campaign_from(options["campaign"])
        try:
            if options["action"] == "progress":
                from tepat.verification.reporting import progress_command

                progress_command(campaign, by=options["by"], fmt=options["format"],
                                 out=self.stdout)
            elif options["action"] == "xlsform":
                from tepat.verification.odk import xlsform_command

                xlsform_command(campaign, desa=options["desa"], out=options["out"],
                                stdout=self.stdout)
            else:
                from tepat.verification.odk import import_command

                import_command(campaign, options["file"], username=options["user"],
                               submit=options["submit"], stdout=self.stdout)
        except RuleError as error:
            raise CommandError(str(error)) from None
