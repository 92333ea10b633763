"""`tepat import FILE… --source p3ke|dtsen|dtks|lokal [--mapping NAME]`: import a family file
and a person file (or one combined file) with a progress bar; prints what was added, changed and
flagged. `--mapping` reads the files through a saved column mapping template (`tepat mapping
list`); a "lokal" list always needs one.

Every import first builds its change set (tepat.pipeline.changeset). `--dry-run` prints it and
writes nothing (`--format json`: the same summary as the import page, schema 1). Without it the
import writes when no threshold is crossed; otherwise it refuses (exit 1, the thresholds named)
unless `--confirm "reason"` is given (audited with the batch)."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tepat.registry.importing import (
    crossed_thresholds,
    import_files,
    order_files,
    preview_files,
)
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
        parser.add_argument("--dry-run", action="store_true",
                            help="print the change set; write nothing")
        parser.add_argument("--format", choices=["table", "json"], default="table")
        parser.add_argument("--confirm", default="", metavar="REASON",
                            help="confirm an import that crosses a threshold (>= 10 characters)")

    def handle(self, *args, files, source, period, mapping, dry_run, format, confirm,
               **options):
        source = ALIASES.get(source, source)
        try:
            family_path, person_path = order_files(files)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        template = self._template(mapping, source)
        if dry_run:
            summary = preview_files(family_path, person_path, source=source,
                                    mapping=template.mapping if template else None)
            if format == "json":
                self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1))
            else:
                self._changes(summary)
            if summary.get("status") != "ok":
                sys.exit(1)
            return
        with tqdm(total=100, unit="%", desc="impor", disable=options["verbosity"] == 0) as bar:

            def echo(fraction: float, label: str) -> None:
                bar.set_description(label.split(" / ")[0])
                bar.update(max(0, round(fraction * 100) - bar.n))

            batch = import_files(family_path, person_path, source=source, period=period,
                                 echo=echo, mapping=template.mapping if template else None,
                                 mapping_template=template, reason=confirm)
        if format == "json":
            self.stdout.write(json.dumps({"batch": batch.pk, "status": batch.status,
                                          "crossed": crossed_thresholds(batch),
                                          **(batch.changeset or {})}, ensure_ascii=False))
        else:
            self._summary(batch)
            if batch.changeset:
                self._changes(batch.changeset)
        if batch.status != BatchStatus.DONE:
            raise CommandError(batch.message)

    def _changes(self, summary):
        out = self.stdout.write
        if summary.get("status") == "rejected":
            out(f"Ditolak / rejected: {summary.get('error_count')} kesalahan / errors")
            for message in summary.get("errors", []):
                out(f"  {message}")
            return
        fam, per = summary["families"], summary["persons"]
        out("Perubahan / change set:")
        out(f"  keluarga: {fam['added']:,} baru, {fam['changed']:,} berubah, "
            f"{fam['returned']:,} muncul lagi, {fam['same']:,} tetap, {fam['absent']:,} tidak "
            f"ada di edisi ini, {fam['emptied']:,} tanpa anggota")
        out(f"  jiwa:     {per['added']:,} baru, {per['changed']:,} berubah, {per['moved']:,} "
            f"pindah keluarga, {per['returned']:,} muncul lagi, {per['same']:,} tetap, "
            f"{per['absent']:,} tidak ada di edisi ini")
        target = summary["target_affected"]
        out(f"  keluarga daftar sasaran terdampak: {target['total']:,} (kosong "
            f"{target['emptied']:,}, tidak ada {target['absent']:,}, pindah {target['moved']:,}, "
            f"berubah {target['changed']:,})")
        for unit, counts in summary["changed_fields"].items():
            if counts:
                out(f"  kolom berubah ({unit}): "
                    + ", ".join(f"{k} {v:,}" for k, v in list(counts.items())[:8]))
        crossed = [name for name, check in summary["thresholds"].items() if check["crossed"]]
        if crossed:
            out("  perlu konfirmasi dengan alasan / needs a confirmation with a reason: "
                + ", ".join(crossed))

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
