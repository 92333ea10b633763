"""What the linkage app answers to the registry below it, registered in `linkage.apps` (the
registry never imports linkage; see tepat.registry.editions.PersonLinks).

- `known`: the registry person an imported record already is, at or above the accept threshold
  of the model in force (the packaged default before anyone trained), for the change set's
  "dikenal" / "orang baru" split;
- `imported`: after an import is written, queue an incremental link run so that the new
  records join their clusters, when a trained model exists (the default model only matches;
  it never writes clusters) and no incremental run already waits.
"""

from __future__ import annotations

import polars as pl

from tepat.linkage import matching, runs
from tepat.linkage.models import LinkRun
from tepat.registry.editions import PersonLinks


def known(rows: pl.DataFrame) -> pl.DataFrame:
    """(row, person_id, match_probability): the best registry person of each row, if any is at
    or above the accept threshold."""
    found = matching.match(rows, accepted=True, best=1)
    return found.select("row", "person_id", "match_probability")


def imported() -> LinkRun | None:
    if runs.current_model() is None:
        return None
    waiting = LinkRun.objects.filter(kind=LinkRun.Kind.INCREMENTAL,
                                     status=LinkRun.Status.QUEUED).first()
    return waiting or runs.start(LinkRun.Kind.INCREMENTAL)


PERSON_LINKS = PersonLinks(known=known, imported=imported)
