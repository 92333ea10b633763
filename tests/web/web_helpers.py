"""Plain helpers of the web tests (imported as `web_helpers`: pytest puts tests/web on sys.path)."""

from __future__ import annotations

import re

from django.http import HttpResponse

# A run of exactly 16 digits (not the decimals of a number): a full NIK or KK; masked ones hold *.
FULL_NUMBER = re.compile(r"(?<![0-9.])[0-9]{16}(?![0-9])")


def heads(response: HttpResponse) -> set[str]:
    """The heads of family on the list page's current page."""
    return {family.kepala_keluarga for family in response.context["page"].object_list}


def leaked_numbers(html: str, numbers: set[str]) -> set[str]:
    """The full NIK/KK numbers of `numbers` that appear in the page."""
    return {n for n in numbers if n in html}
