"""`tepat import FILE… --source p3ke|dtsen`: import a family file and a person file (or one
combined file) with a progress bar; prints what was added, changed and flagged."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tepat.registry.importing import import_files, order_files
from tepat.registry.models import BatchStatus, Source


class Command(BaseCommand):
    help = "Import a P3KE/DTSEN family file and person file (or one combined file)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--source", choices=[s.value for s in Source], required=True)
        parser.add_argument("--period", default="")

    def handle(self, *args, files, source, period, **options):
        try:
            family_path, person_path = order_files(files)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        with tqdm(total=100, unit="%", desc="impor", disable=options["verbosity"] == 0) as bar:

            def echo(fraction: float, label: str) -> None:
                bar.set_description(label.split(" / ")[0])
                bar.update(max(0, round(fraction * 100) - bar.n))

            batch = import_files(family_path, person_path, source=source, period=period,
                                 echo=echo)
        self._summary(batch)
        if batch.status != BatchStatus.DONE:
            raise CommandError(batch.message)

    def _summary(self, batch):
        out = self.stdout.write
        out(f"Batch #{batch.pk} {batch.get_source_display()}: {batch.get_status_display()}")
        out(
            f"  keluarga: {batch.families_total:,} dibaca, {batch.families_added:,} baru, "
            f"{batch.families_changed:,} berubah, {batch.families_unchanged:,} tetap"
        )
        out(
            f"  jiwa:     {batch.persons_total:,} dibaca, {batch.persons_added:,} baru, "
            f"{batch.persons_changed:,} berubah, {batch.persons_unchanged:,} tetap"
        )
        for unit, counts in (batch.flag_counts or {}).items():
            for code, n in sorted(counts.items()):
                out(f"  tanda {unit} {code}: {n:,}")
        for note in batch.notes or []:
            out(f"  catatan: {note}")
        if batch.error_report:
            out(f"  laporan kesalahan: {batch.error_report} (+ .csv)")
        if batch.timings:
            out("  waktu (detik): " + ", ".join(f"{k} {v}" for k, v in batch.timings.items()))
