"""The words of a scored pair for the pages that show candidates (an agency list's waiting
rows, the review queue): one line a comparison, such as 'nama mirip (Jaro-Winkler 0,93): +6,1'.

`contribution_words` of the core (`tepat.core.linkage_words`) words each (comparison, level);
until that module is in the core, and for a level it does not know, the line falls back to
'<key>: <level> (+w)' so that a page never fails on a model with a level of its own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.utils.translation import get_language

ELSE_LABEL = "All other comparisons"  # Splink's label of the last level


@cache
def _core_words() -> Callable[..., str] | None:
    for module in ("tepat.core.linkage_words", "tepat.core.linkage"):
        try:
            found = getattr(importlib.import_module(module), "contribution_words", None)
        except ImportError:
            continue
        if found is not None:
            return found
    return None


def line(comparison: dict[str, Any], lang: str) -> str:
    key, weight = comparison.get("key", ""), float(comparison.get("weight") or 0.0)
    level = comparison.get("level", "")
    level = "else" if level == ELSE_LABEL else level
    words = _core_words()
    if words is not None:
        try:
            return words(key, level, weight, comparison.get("similarity"), lang)
        except (KeyError, ValueError):
            pass
    return f"{key}: {level} ({weight:+.1f})"


def lines(comparisons: Sequence[dict[str, Any]], lang: str | None = None) -> list[str]:
    """Each comparison's line, the weightiest first, in the active language by default."""
    lang = lang or ("en" if (get_language() or "id").startswith("en") else "id")
    ranked = sorted(comparisons, key=lambda c: -abs(float(c.get("weight") or 0.0)))
    return [line(c, lang) for c in ranked]
