"""`tepat users import FILE [--dry-run] [--sheet-out DIR] [--pdf] [--url URL] [--user USERNAME]`

Creates the accounts of an .xlsx or .csv list with the checks and the services of the page
/pengguna/impor/ (tepat.accounts.onboarding.import_users): every row is checked, nothing is
created unless every row is right, and accounts that already exist are left as they are. The
activation codes are written once, as one printable HTML sheet per kecamatan, into DIR
(default: the current folder); they are never printed to the terminal or a log. `--dry-run`
checks and lists, and writes nothing. The import is audited under USERNAME (default: the first
active admin kabupaten).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from tepat.lib.errors import RuleError


def _actor(username: str | None) -> Any:
    from tepat.accounts.models import Role, User

    if username:
        user = User.objects.select_related("area").filter(username=username).first()
        if user is None:
            raise CommandError(f"Pengguna {username!r} tidak ada. / No user {username!r}.")
        return user
    user = (User.objects.select_related("area")
            .filter(role=Role.ADMIN_KABUPATEN, is_active=True).order_by("pk").first())
    if user is None:
        raise CommandError("Tidak ada admin kabupaten aktif; sebutkan --user. / "
                           "No active admin kabupaten; pass --user.")
    return user


def write_sheets(issued: list[Any], folder: Path, activation_url: str, *,
                 pdf: bool = False) -> list[Path]:
    """One HTML file per kecamatan (aktivasi-35.13.20.html; the regency's own accounts in
    aktivasi-kabupaten.html), and with `pdf` the same as PDF (WeasyPrint, as the reports),
    readable only by the owner."""
    from tepat.accounts.onboarding import group_by_kecamatan

    folder.mkdir(parents=True, exist_ok=True)
    css_path = finders.find("web/onboarding.css")
    css = Path(css_path).read_text() if css_path else ""
    written = []
    for group in group_by_kecamatan(issued):
        target = folder / f"aktivasi-{group[0] or 'kabupaten'}.html"
        html = render_to_string("web/activation_sheet_file.html", {
            "groups": [group], "activation_url": activation_url, "css": css})
        target.write_text(html, encoding="utf-8")
        target.chmod(0o600)
        written.append(target)
        if pdf:
            from tepat.reports.pdf import html_to_pdf

            paper = target.with_suffix(".pdf")
            paper.write_bytes(html_to_pdf(html))
            paper.chmod(0o600)
            written.append(paper)
    return written


class Command(BaseCommand):
    help = "Pengguna: impor daftar akun / create accounts from a list"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="create the accounts of an .xlsx or .csv list")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="check and list; write nothing")
        imp.add_argument("--sheet-out", default=".",
                         help="folder for the activation sheets (one HTML file per kecamatan)")
        imp.add_argument("--pdf", action="store_true",
                         help="also write each sheet as PDF (WeasyPrint)")
        imp.add_argument("--url", default="https://tepat.example/aktivasi/",
                         help="the activation address printed on the sheets")
        imp.add_argument("--user", help="who runs it, for the audit (an admin kabupaten)")
        imp.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        from tepat.accounts.onboarding import import_users

        path = Path(options["file"])
        actor = _actor(options["user"])
        try:
            report = import_users(path, actor=actor, file_name=path.name,
                                  dry_run=options["dry_run"])
        except RuleError as error:
            raise CommandError(str(error)) from None
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"{problem.message_id}\n  {problem.message_en}")
            raise CommandError(f"{len(report.problems)} masalah; tidak ada akun yang dibuat. / "
                               f"{len(report.problems)} problems; no account was created.")
        sheets = [] if report.dry_run else write_sheets(
            report.issued, Path(options["sheet_out"]), options["url"], pdf=options["pdf"])
        if options["format"] == "json":
            data = {**report.as_dict(), "sheets": [str(s) for s in sheets]}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self._table(report, sheets)

    def _table(self, report: Any, sheets: list[Path]) -> None:
        out = self.stdout
        verb = "akan dibuat / to create" if report.dry_run else "dibuat / created"
        out.write(f"Berkas / file {report.file}: {report.rows} baris / rows; "
                  f"{len(report.new)} {verb}; {len(report.existing)} sudah ada / already there"
                  f"{'  [DRY RUN: nothing written]' if report.dry_run else ''}")
        for p in report.new:
            out.write(f"  {p.row:>5}  {p.spec.username:<28} {p.spec.role.value:<20} "
                      f"{p.spec.area.code}")
        if not report.new:
            out.write("Tidak ada akun baru. / Nothing new to create.")
        for sheet in sheets:
            out.write(f"Lembar aktivasi / activation sheet: {sheet}")
