"""Pages of a desa's list read in two steps: the ordered keys, then the page's rows.

A desa's worklist or review list is a few hundred to two thousand rows of a regency-wide
table, filtered by desa and ordered by a column of a joined table (the family's head, by
name). Asked for `ORDER BY name LIMIT 50`, PostgreSQL often walks the regency's name index
from the top, hoping to meet fifty of the desa's rows early, and when the desa's rows are
few or far down that walk reads most of the regency: the load test (bench/load) saw 0.5–1.6 s
for one worklist page, with parallel workers, against 3 ms for reading the desa's rows by
their own index and sorting them. Without LIMIT the planner has no reason to walk the index,
so the keys are read whole (a list of at most a few thousand integers), the page is cut in
Python, and only the page's rows are loaded. The count comes with the keys.

Only for lists bounded by one area (a desa): a regency-wide list would read every key.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def keyed_page(rows: QuerySet, number: object, per_page: int, *,
               load: Callable[[QuerySet], QuerySet] | None = None) -> Page:
    """The page `number` of the ordered `rows`, its object_list the page's rows in order.

    `load` adds what only the shown rows need (joins, annotations) to the page's query.
    """
    keys = list(rows.values_list("pk", flat=True))
    page = Paginator(keys, per_page).get_page(number)
    shown = rows.filter(pk__in=page.object_list)
    page.object_list = list(load(shown) if load else shown)
    return page


def narrow_page(rows: QuerySet, number: object, per_page: int, *,
                load: Callable[[QuerySet], QuerySet] | None = None) -> Page:
    """The page `number` of the ordered `rows` by LIMIT/OFFSET over their keys only, then the
    page's rows by key: a deep page of a regency-wide list sorts and skips narrow tuples
    (150k families sorted by desil, last page: ~6x faster on SQLite than sorting whole joined
    rows). For lists of any size; one query more than a plain page."""
    page = Paginator(rows.values_list("pk", flat=True), per_page).get_page(number)
    keys = list(page.object_list)
    shown = rows.filter(pk__in=keys)
    found = {row.pk: row for row in (load(shown) if load else shown)}
    page.object_list = [found[key] for key in keys if key in found]
    return page


ELLIPSIS = Paginator.ELLIPSIS


def page_links(page: Page, *, on_each_side: int = 2, on_ends: int = 1) -> list[int | None]:
    """The page numbers a pager links to, `None` for a gap: 1 … 4 5 [6] 7 8 … 50.

    Django's elided range, which counts nothing more than the paginator already did.
    """
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=on_each_side,
                                                   on_ends=on_ends)
    return [None if number == ELLIPSIS else int(number) for number in numbers]
