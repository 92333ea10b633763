"""Area scoping of personal data in the data layer (DESIGN.md §5, issue 6 §1).

A query on personal data must say whose area it serves. `ScopedQuerySet.for_area(code)` and
`.for_user(user)` filter by an area; `PersonalQuerySet` (the manager of every model that holds
personal data) also *remembers* that they were applied, and checks when the query runs. A
query is scoped when

- `for_area` / `for_user` was applied, or `for_official` (a pendamping's own families; an
  empty queryset from `none()` is scoped too);
- it comes from a related manager or a prefetch of an object of a covered model, e.g.
  `family.members.all()` or `entry.visits.all()`: the parent row was reached through a checked
  query (a related manager of an uncovered parent such as `campaign.verifications` or
  `target_list.entries` spans the whole regency and is *not* scoped);
- it took an explicit opt-out with a reason: `Family.objects.unscoped("import: bulk write")`,
  or it runs inside `with unscoped_access("report: rakor pack"):`.

Everything else is unscoped. Evaluating an unscoped query of a covered model (fetching rows,
`count`, `exists`, `aggregate`, `iterator`, `update`, `delete`, `explain`, and all that rest on
them: `get`, `first`, `in_bulk`, `values`, `bulk_update`, ...) from Tepat's own code raises
`UnscopedQuery` when `TEPAT_STRICT_SCOPING` is on (the whole test suite) and logs a warning
naming the model and the line when it is off (production: a path that slipped through must not
break a user's page, but it is seen in the log).

What is not checked: a subquery (`filter(pk__in=Person.objects.filter(...).values(...))`): the
outer query decides which rows come back; inserts (`create`, `bulk_create`); `save()`,
`refresh_from_db()` and the forward side of a foreign key (`person.family`), which go through
Django's plain base manager from an object already loaded; raw SQL. A query evaluated by code
outside the `tepat` package (a test's own assertion about stored rows, the Django shell) is
not checked either: what is proved is that the application's paths are scoped.

Opt-out reasons are literal strings "<kind>: <what>" (tests/registry/test_scoping.py greps the
source for them); the reasons taken while the process runs are counted in `OPT_OUTS`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import django
from django.conf import settings
from django.db import models

log = logging.getLogger(__name__)

# reason -> how many times the opt-out was taken in this process
OPT_OUTS: Counter[str] = Counter()
_opted_out: ContextVar[str | None] = ContextVar("tepat_unscoped_access", default=None)
_warned: set[tuple[str, str, int]] = set()

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_DJANGO = os.path.dirname(os.path.abspath(django.__file__)) + os.sep
_HERE = os.path.abspath(__file__)


class UnscopedQuery(RuntimeError):
    """A query on personal data ran without an area scope or a named opt-out."""


def _checked_reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("an opt-out of area scoping needs a reason, e.g. 'import: bulk write'")
    OPT_OUTS[reason] += 1
    return reason


@contextlib.contextmanager
def unscoped_access(reason: str) -> Iterator[None]:
    """Every query on personal data inside the block is an explicit, named opt-out: for batch
    jobs that read or write a whole regency on behalf of no single area (imports, reports,
    backup). The opt-out holds for this thread/task only."""
    token = _opted_out.set(_checked_reason(reason))
    try:
        yield
    finally:
        _opted_out.reset(token)


def active_opt_out() -> str | None:
    """The reason of the `unscoped_access` block the caller runs in, if any."""
    return _opted_out.get()


def is_covered(model: type[models.Model]) -> bool:
    """Whether `model` holds personal data and checks its queries."""
    queryset_class = getattr(model._default_manager, "_queryset_class", None)
    return isinstance(queryset_class, type) and issubclass(queryset_class, PersonalQuerySet)


def _caller() -> tuple[str, int]:
    """File and line of the innermost frame that is neither Django nor this module."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if name != _HERE and not name.startswith(_DJANGO):
            return name, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return "", 0


class ScopedQuerySet(models.QuerySet):
    """Rows by area: kabupaten users see the regency, others their kecamatan or desa."""

    def for_area(self, area_code: str | None) -> ScopedQuerySet:
        if not area_code:
            return self.none()
        depth = area_code.count(".")
        if depth <= 1:  # province or kabupaten
            return self.filter(
                kecamatan__code__startswith=area_code + "."
            )  # no join: LIKE on the FK
        if depth == 2:
            return self.filter(kecamatan_id=area_code)
        return self.filter(desa_id=area_code)

    def for_user(self, user: Any) -> ScopedQuerySet:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.for_area(user.area_id)


class PersonalQuerySet(ScopedQuerySet):
    """The queryset of a model holding personal data: remembers its scope and refuses (or,
    with strict checking off, reports) to run without one."""

    _scope: str | None = None

    def _clone(self) -> PersonalQuerySet:
        clone = super()._clone()
        clone._scope = self._scope
        return clone

    def for_area(self, area_code: str | None) -> PersonalQuerySet:
        scoped = super().for_area(area_code)
        scoped._scope = f"area {area_code}"
        return scoped  # type: ignore[return-value]

    def for_official(self, official: Any, *, via: str = "official") -> PersonalQuerySet:
        """The rows of one pendamping official's own families (`via`: the path from this model
        to the official, e.g. "assignment__official"); no official, no rows."""
        if official is None:
            return self.none()
        scoped = self.filter(**{via: official})
        scoped._scope = f"official {official.pk}"
        return scoped  # type: ignore[return-value]

    def unscoped(self, reason: str) -> PersonalQuerySet:
        """This query deliberately spans every area; `reason` says why ("gesek: assignment")."""
        clone = self._chain()
        clone._scope = f"unscoped: {_checked_reason(reason)}"
        return clone

    # --- the check -------------------------------------------------------------------------

    def _is_scoped(self) -> bool:
        if self._scope or _opted_out.get() is not None or self.query.is_empty():
            return True
        parent = self._hints.get("instance")
        return parent is not None and is_covered(type(parent))

    def _check(self, kind: str) -> None:
        if self._is_scoped():
            return
        where, line = _caller()
        if not where.startswith(_PACKAGE):
            return  # a test's own assertion, the shell: not an application path
        name = self.model.__name__
        short = where[len(_PACKAGE):]
        message = (
            f"unscoped {kind} of {name} in tepat/{short}:{line}: scope it by area "
            f"({name}.objects.for_user(user) or .for_area(code)) or opt out explicitly with a "
            f'reason ({name}.objects.unscoped("<kind>: <why>") or '
            f'`with unscoped_access("<kind>: <why>"):`)'
        )
        if getattr(settings, "TEPAT_STRICT_SCOPING", False):
            raise UnscopedQuery(message)
        if (name, short, line) not in _warned:  # once per line and process
            _warned.add((name, short, line))
            log.warning(message)

    # --- every way a query reaches the database ----------------------------------------------

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check("fetch")
        super()._fetch_all()

    def iterator(self, chunk_size: int | None = None) -> Iterator[Any]:
        self._check("iterator")
        return super().iterator(chunk_size)

    def aiterator(self, chunk_size: int = 2000) -> Any:
        self._check("iterator")
        return super().aiterator(chunk_size)

    def count(self) -> int:
        if self._result_cache is None:
            self._check("count")
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._check("exists")
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check("aggregate")
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._check("update")
        return super().update(**kwargs)

    def _update(self, values: Any, returning_fields: Any = None) -> Any:
        self._check("update")
        return super()._update(values, returning_fields)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check("delete")
        return super().delete()

    def explain(self, *, format: str | None = None, **options: Any) -> str:  # noqa: A002
        self._check("explain")
        return super().explain(format=format, **options)


class AreaQueueQuerySet(PersonalQuerySet):
    """Rows scoped by one `area` column that names who may see them (a queue): a kecamatan
    sees its own, the kabupaten its own and every kecamatan's, a desa none (cross-area
    duplicate cases, linkage review pairs)."""

    def for_area(self, area_code: str | None) -> AreaQueueQuerySet:
        depth = area_code.count(".") if area_code else 3
        if depth >= 3:
            scoped = self.none()
        elif depth == 2:
            scoped = self.filter(area_id=area_code)
        else:
            scoped = self.filter(models.Q(area_id=area_code)
                                 | models.Q(area__code__startswith=area_code + "."))
        scoped._scope = f"area {area_code}"
        return scoped  # type: ignore[return-value]
