"""`tepat synth`: write a synthetic P3KE or DTSEN export of the instance's kabupaten (`--kabupaten`
to choose another; Kab. Probolinggo by default) with ground truth;
with `--linkage`, the same people in DTSEN, two P3KE editions, DTKS and an agency's beneficiary
list with the truth of who is who (`tepat.synth.linkage`)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tepat import synth

DEFAULT_HOUSEHOLDS = {"p3ke": 150_000, "dtsen": 400_000, "dtks": 400_000}


class Command(BaseCommand):
    help = "Write a synthetic P3KE/DTSEN export (family file, individual file, ground truth)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--households",
            type=int,
            default=None,
            help="families (default: P3KE 150,000; DTSEN 400,000)",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--kabupaten", default=None,
                            help="Kemendagri code, e.g. 35.78 (default: the instance's)")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--source", choices=["p3ke", "dtsen", "dtks"], default="p3ke",
                            help="dtks: a DTSEN export in the DTKS layout (csv, no truth file)")
        parser.add_argument(
            "--linkage",
            action="store_true",
            help="linked sources (DTSEN, P3KE + edition 2, DTKS, beneficiary list) with "
            "truth_linkage.csv; --households counts the DTSEN families (default 400,000)",
        )
        parser.add_argument(
            "--format",
            choices=["xlsx", "csv"],
            default=None,
            help="default: xlsx for P3KE, csv for DTSEN",
        )

    def handle(self, *args, households, seed, out, source, format, linkage, kabupaten,
               **options):
        kabupaten = self._kabupaten(kabupaten)
        if linkage:
            self._linkage(households or DEFAULT_HOUSEHOLDS["dtsen"], seed, out, format or "csv")
            return
        households = households or DEFAULT_HOUSEHOLDS[source]
        fmt = format or ("csv" if source == "dtsen" else "xlsx")
        started = time.perf_counter()
        data = synth.generate(households, seed, source="dtsen" if source == "dtks" else source,
                              kabupaten=kabupaten)
        generated = time.perf_counter() - started
        out.mkdir(parents=True, exist_ok=True)
        if source == "dtks":
            from tepat.synth.dtks import write_dtks

            paths = write_dtks(data, out)
        else:
            paths = synth.write(data, out, fmt)
        written = time.perf_counter() - started - generated
        self.stdout.write(
            f"{data.families.height:,} keluarga, {data.persons.height:,} jiwa, "
            f"{data.truth.height:,} cacat tersisip (ground truth) — "
            f"dibuat {generated:.1f} s, ditulis {written:.1f} s"
        )
        for path in paths:
            self.stdout.write(f"  {path}")

    @staticmethod
    def _kabupaten(code: str | None) -> str:
        from tepat.core.regions import national_table, normalize_code

        if code is None:
            from tepat.regions.selectors import regency

            return regency()
        dotted = normalize_code(code)
        found = national_table().get(dotted) if dotted else None
        if found is None or found.level != "kabupaten":
            raise CommandError(f"Kode kabupaten/kota {code!r} tidak ada di tabel Kemendagri "
                               f"2025 (contoh 35.13) / no such kabupaten/kota code")
        return found.code

    def _linkage(self, households: int, seed: int, out: Path, fmt: str) -> None:
        started = time.perf_counter()
        data = synth.generate_linked(households, seed)
        generated = time.perf_counter() - started
        paths = synth.write_linked(data, out, fmt)
        written = time.perf_counter() - started - generated
        for source, part in data.summary["sources"].items():
            self.stdout.write(
                _("%(source)s: %(records)s catatan, %(entities)s orang")
                % {"source": source, "records": f"{part['records']:,}",
                   "entities": f"{part['entities']:,}"}
            )
        self.stdout.write(
            _("Dibuat %(generated).1f s, ditulis %(written).1f s")
            % {"generated": generated, "written": written}
        )
        for path in paths:
            self.stdout.write(f"  {path}")
