import sys

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tepat.reports"
    label = "reports"
    verbose_name = "Laporan"

    def ready(self) -> None:
        # The background worker renders the PDF reports: load WeasyPrint and its Pango
        # bindings (~3 s) when the worker starts, not inside the first report job.
        if "db_worker" in sys.argv:
            import weasyprint  # noqa: F401
