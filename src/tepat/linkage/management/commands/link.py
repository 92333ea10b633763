"""`tepat link`: train the linkage model, link the registry, export and judge the clusters.

    tepat link train                     # estimate m and u from the registry's records
    tepat link run [--incremental]       # every record, or only new and changed ones
    tepat link export --out clusters.csv # source, record_id, cluster, match_probability
    tepat link evaluate --truth FILE [--format json|table]

The CLI runs the job in this process (with progress on stderr); the web page queues the same
job for the worker. The export holds record IDs and cluster numbers only: no name, no NIK.
An agency list's rows are exported with their list as the source ("opd-12": upload 12) and
the cluster of the person they were linked to (`tepat.linkage.lists`).
"""

from __future__ import annotations

import json
import sys

import polars as pl
from django.core.management.base import BaseCommand, CommandError

from tepat.core import pairwise, spreadsheet
from tepat.linkage import runs
from tepat.linkage.lists import list_memberships
from tepat.linkage.models import ClusterMember, LinkRun
from tepat.registry.scoping import unscoped_access


def memberships() -> pl.DataFrame:
    with unscoped_access("linkage: the export of every membership"):
        rows = list(ClusterMember.objects.unscoped("linkage: the export")
                    .order_by("cluster", "source", "record_id")
                    .values_list("source", "record_id", "cluster", "probability"))
    registry = pl.DataFrame(rows, schema={"source": pl.String, "record_id": pl.String,
                                          "cluster": pl.Int64, "match_probability": pl.Float64},
                            orient="row")
    return pl.concat([registry, list_memberships()])


class Command(BaseCommand):
    help = "Kaitan rekaman orang / person linkage: train | run | export | evaluate"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("train")
        run = sub.add_parser("run")
        run.add_argument("--incremental", action="store_true")
        export = sub.add_parser("export")
        export.add_argument("--out", required=True)
        evaluate = sub.add_parser("evaluate")
        evaluate.add_argument("--truth", required=True)
        evaluate.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _job(self, kind: str) -> None:
        run = runs.start_now(kind)
        try:
            run = runs.execute(run, echo=lambda f, label: print(
                f"{round(f * 100):3d}%  {label}", file=sys.stderr))
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        figures = {k: getattr(run, k) for k in ("records", "pairs", "auto_links",
                                                "review_pairs", "clusters", "changed_members")}
        self.stdout.write(json.dumps({"run": run.pk, "kind": kind, **figures,
                                      "timings": run.timings}))

    def _train(self, options) -> None:
        self._job(LinkRun.Kind.TRAIN)

    def _run(self, options) -> None:
        self._job(LinkRun.Kind.INCREMENTAL if options["incremental"] else LinkRun.Kind.FULL)

    def _export(self, options) -> None:
        frame = memberships()
        with open(options["out"], "w", encoding="utf-8", newline="") as out:
            writer = spreadsheet.csv_writer(out)
            writer.writerow(frame.columns)
            writer.writerows(frame.iter_rows())
        self.stdout.write(f"{frame.height} rekaman / records -> {options['out']}")

    def _evaluate(self, options) -> None:
        try:
            truth = pairwise.read_truth(options["truth"])
        except (OSError, ValueError, pl.exceptions.PolarsError) as error:
            raise CommandError(f"--truth: {error}") from None
        result = pairwise.scores(memberships(), truth).as_dict()
        if options["format"] == "json":
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write("\n".join(f"{k}\t{v}" for k, v in result.items()))
