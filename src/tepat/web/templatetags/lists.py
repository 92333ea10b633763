"""Template helpers of the list pages: numbered page links, the page jump, sortable headers."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Page

from tepat.web.paging import page_links as _page_links

register = template.Library()


@register.simple_tag
def page_links(page: Page) -> list[int | None]:
    return _page_links(page)


@register.simple_tag(takes_context=True)
def kept_params(context: Any, *dropped: str) -> list[tuple[str, str]]:
    """The request's GET parameters except `page` and `dropped`, as hidden inputs of a GET form
    (the page jump keeps the filters, the sort and the search token)."""
    request = context.get("request")
    if request is None:
        return []
    skip = {"page", *dropped}
    return [(key, value) for key, values in request.GET.lists() if key not in skip
            for value in values]


@register.inclusion_tag("web/_sort_th.html")
def sort_th(header: Any, label: str, css: str = "") -> dict[str, Any]:
    """A column header that sorts the list: a link, and `aria-sort` on the current column."""
    return {"header": header, "label": label, "css": css}
