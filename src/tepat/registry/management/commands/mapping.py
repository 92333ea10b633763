"""`tepat mapping list | show NAME | suggest FILE --source S | save NAME --source S FIELD=HEADER…`:
the column mapping templates that `tepat import --mapping NAME` and the import page use."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tepat.pipeline import ReadError
from tepat.pipeline.mapping import suggest_mapping, targets
from tepat.pipeline.readers import read_sheet
from tepat.registry.mappings import MappingError, get_template, save_template
from tepat.registry.models import MappingTemplate, Source

SOURCES = {"lokal": Source.LOCAL.value, **{s.value: s.value for s in Source}}


class Command(BaseCommand):
    help = "List, show, suggest and save column mapping templates."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list")
        listing.add_argument("--format", choices=["table", "json"], default="table")
        show = sub.add_parser("show")
        show.add_argument("name")
        suggest = sub.add_parser("suggest")
        suggest.add_argument("file", type=Path)
        suggest.add_argument("--source", choices=list(SOURCES), required=True)
        save = sub.add_parser("save")
        save.add_argument("name")
        save.add_argument("--source", choices=list(SOURCES), required=True)
        save.add_argument("pairs", nargs="+", metavar="FIELD=HEADER")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except (MappingError, ReadError) as exc:
            text = str(exc) if isinstance(exc, MappingError) else (
                f"{exc.message_id} / {exc.message_en}")
            raise CommandError(text) from None

    def _list(self, format, **options):
        rows = [
            {"name": t.name, "source": t.source, "fields": len(t.mapping),
             "updated_at": t.updated_at.isoformat(timespec="seconds")}
            for t in MappingTemplate.objects.all()
        ]
        if format == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("Belum ada templat pemetaan kolom / no column mapping template yet")
        for row in rows:
            self.stdout.write(f"{row['name']:<30} {row['source']:<6} {row['fields']:>3} kolom  "
                              f"{row['updated_at']}")

    def _show(self, name, **options):
        template = get_template(name)
        self.stdout.write(json.dumps(
            {"name": template.name, "source": template.source, "mapping": template.mapping},
            indent=2, ensure_ascii=False,
        ))

    def _suggest(self, file, source, **options):
        raw = read_sheet(file, guess_header=True)
        mapping = suggest_mapping(raw, SOURCES[source])
        self.stdout.write(json.dumps(mapping, indent=2, ensure_ascii=False))

    def _save(self, name, source, pairs, **options):
        source = SOURCES[source]
        mapping = {}
        fields = {t.field for t in targets(source)}
        for pair in pairs:
            field, sep, header = pair.partition("=")
            if not sep or field.strip() not in fields:
                raise CommandError(
                    f"'{pair}': tulis KOLOM_TEPAT=JUDUL_KOLOM_BERKAS; kolom Tepat: "
                    f"{', '.join(sorted(fields))} / write TEPAT_FIELD=FILE_HEADER; Tepat fields: "
                    f"{', '.join(sorted(fields))}"
                )
            mapping[field.strip()] = header.strip()
        template = save_template(user=None, name=name, source=source, mapping=mapping)
        self.stdout.write(f"Templat '{template.name}' disimpan / template saved")
