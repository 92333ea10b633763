"""The fields a browser would POST for a page's form, read from its HTML (stdlib only).

Shared by the Locust users (locustfile.py) and the in-process profile (profile_pages.py), so
that both send the family form's real fields and its hidden `version`.
"""

from __future__ import annotations

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The fields a browser would send for the first POST form holding `marker` (an input
    name): inputs with their values, checked boxes and radios, each select's selected (or
    first) option, textareas."""

    def __init__(self, marker: str) -> None:
        super().__init__(convert_charrefs=True)
        self.marker, self.forms, self._form = marker, [], None
        self._select, self._select_first, self._textarea = None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = []
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.append((name, a.get("value", "on") or ""))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_first = [name, None], None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select[1] = value
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            value = self._select[1] if self._select[1] is not None else self._select_first
            self._form.append((self._select[0], value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form":
            self._form = None

    def fields(self) -> list[tuple[str, str]] | None:
        for form in self.forms:
            if any(name == self.marker for name, _ in form):
                return form
        return None


def form_fields(html: str, marker: str) -> list[tuple[str, str]] | None:
    parser = FormFields(marker)
    parser.feed(html)
    return parser.fields()
