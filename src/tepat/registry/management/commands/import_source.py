"""`tepat import FILE… --source p3ke|dtsen|dtks|lokal [--mapping NAME]`: import a family file
and a person file (or one combined file) with a progress bar; prints what was added, changed and
flagged. `--mapping` reads the files through a saved column mapping template (`tepat mapping
list`); a "lokal" list always needs one."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tepat.registry.importing import import_files, order_files
from tepat.registry.mappings import MappingError, get_template
from tepat.registry.models import BatchStatus, MappingTemplate, Source

ALIASES = {"lokal": Source.LOCAL.value}


class Command(BaseCommand):
    help = "Import a P3KE/DTSEN family file and person file (or one combined file)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--source", choices=[*(s.value for s in Source), *ALIASES], required=True
        )
        parser.add_argument("--period", default="")
        parser.add_argument("--mapping", default="", help="a saved column mapping template")

    def handle(self, *args, files, source, period, mapping, **options):
        source = ALIASES.get(source, source)
        try:
            family_path, person_path = order_files(files)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        template = self._template(mapping, source)
        with tqdm(total=100, unit="%", desc="impor", disable=options["verbosity"] == 0) as bar:

            def echo(fraction: float, label: str) -> None:
                bar.set_description(label.split(" / ")[0])
                bar.update(max(0, round(fraction * 100) - bar.n))

            batch = import_files(family_path, person_path, source=source, period=period,
                                 echo=echo, mapping=template.mapping if template else None,
                                 mapping_template=template)
        self._summary(batch)
        if batch.status != BatchStatus.DONE:
            raise CommandError(batch.message)

    def _template(self, name: str, source: str) -> MappingTemplate | None:
        if not name:
            if source == Source.LOCAL:
                names = ", ".join(MappingTemplate.objects.values_list("name", flat=True)) or "-"
                raise CommandError(
                    "Daftar lokal perlu templat pemetaan kolom: --mapping NAMA (buat di halaman "
                    f"impor atau dengan `tepat mapping save`). Templat tersimpan: {names} / "
                    "a local list needs a column mapping template: --mapping NAME (make one on "
                    f"the import page or with `tepat mapping save`). Saved templates: {names}"
                )
            return None
        try:
            template = get_template(name)
        except MappingError as exc:
            raise CommandError(str(exc)) from None
        if template.source != source:
            raise CommandError(
                f"Templat '{name}' dibuat untuk sumber {template.source}, bukan {source} / "
                f"the template '{name}' is for the source {template.source}, not {source}"
            )
        return template

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
