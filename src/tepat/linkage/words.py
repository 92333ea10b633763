"""The words of a scored pair for the pages that show candidates (an agency list's waiting
rows, the review queue): one line a comparison, such as 'nama mirip (Jaro-Winkler 0,93): +6,1'.

`tepat.core.linkage.contribution_words` words each (comparison, level); until that function is
in the core, and for a level it does not know, the line falls back to '<key>: <level> (+w)' so
that a page never fails on a model with a level of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import get_language

from tepat.core import linkage as core

ELSE_LABEL = "All other comparisons"  # Splink's label of the last level


def line(comparison: dict[str, Any], lang: str) -> str:
    key, weight = comparison.get("key", ""), float(comparison.get("weight") or 0.0)
    level = comparison.get("level", "")
    level = "else" if level == ELSE_LABEL else level
    words = getattr(core, "contribution_words", None)
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
