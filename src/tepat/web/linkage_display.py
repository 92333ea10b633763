"""What the linkage pages show of a pair and of a model, computed before the template.

- `marked_number`: a NIK or KK masked as everywhere (first and last four digits), with the
  positions where the other record's number differs marked. A hidden position is never shown,
  whether it differs or not: the reader learns *where* two numbers differ, never a digit the
  mask hides, so two masked numbers side by side reveal no more than one.
- `contribution`: one comparison's words ("nama mirip (Jaro-Winkler 0,93): +6,1") through
  `tepat.core.linkage_words.contribution_words`, with a plain fallback for a level it does not
  know (a model trained without the Indonesian comparisons has Splink's own labels) and until
  that module lands.
- `weight_bars` / `model_chart`: horizontal bars around a zero axis, as SVG coordinates, like
  Splink's match weights chart (no JavaScript library on these pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Any

from django.utils.translation import get_language

from tepat.core.identity import mask, normalize_number

SHOWN_EDGE = 4  # digits `mask` shows at each end
ELSE_LABEL = "All other comparisons"  # Splink's label of the last level


@dataclass(frozen=True)
class Digit:
    char: str
    differs: bool


def differing_positions(a: str | None, b: str | None) -> list[int]:
    """0-based positions where two numbers of the same length differ; [] when either is
    missing or their lengths differ (then nothing position-wise can be said)."""
    left, right = normalize_number(a), normalize_number(b)
    if left is None or right is None or len(left) != len(right):
        return []
    return [i for i, (x, y) in enumerate(zip(left, right, strict=True)) if x != y]


def marked_number(mine: str | None, other: str | None) -> list[Digit]:
    """`mask(mine)` digit by digit, each flagged where `other` differs."""
    shown = mask(mine)
    value = normalize_number(mine)
    if value is None or len(shown) != len(value):  # '—' or '****': nothing to mark
        return [Digit(char, False) for char in shown]
    differs = set(differing_positions(mine, other))
    return [Digit(char, i in differs) for i, char in enumerate(shown)]


def _language() -> str:
    return "en" if (get_language() or "id").startswith("en") else "id"


def _words() -> ModuleType | None:
    """The review-page words of the pure core, once the normalisation work has landed."""
    try:
        return import_module("tepat.core.linkage_words")
    except ImportError:
        return None


def _fallback(key: str, level: str, weight: float) -> str:
    return f"{key}: {level} ({weight:+.1f})"


def contribution(item: dict[str, Any], lang: str | None = None) -> str:
    """The words of one comparison of a pair ({key, level, weight, similarity?})."""
    key, level = item.get("key", ""), item.get("level", "")
    weight = float(item.get("weight") or 0.0)
    words = _words()
    if words is None:
        return _fallback(key, level, weight)
    try:
        return words.contribution_words(key, "else" if level == ELSE_LABEL else level, weight,
                                  item.get("similarity"), lang or _language())
    except (KeyError, ValueError):
        return _fallback(key, level, weight)


def level_words(comparison: str, level: str, lang: str | None = None) -> str:
    """'nama mirip', 'NIK beda satu angka': a chart row's label (the plain label otherwise)."""
    words = _words()
    key = "else" if level == ELSE_LABEL else level
    if words is None or (comparison, key) not in words.LEVEL_WORDS:
        return f"{comparison}: {level}"
    index = 0 if (lang or _language()) == "id" else 1
    return (f"{words.COMPARISON_WORDS[comparison][index]} "
            f"{words.LEVEL_WORDS[(comparison, key)][index]}")


# --- bars ------------------------------------------------------------------------------------

BAR_WIDTH = 200.0  # the SVG's user units; the zero axis in the middle


@dataclass(frozen=True)
class Bar:
    label: str
    weight: float | None
    x: float
    width: float
    positive: bool
    group: str = ""


def _bar(label: str, weight: float | None, scale: float, group: str = "") -> Bar:
    middle = BAR_WIDTH / 2
    length = abs(weight or 0.0) / scale * middle if scale else 0.0
    positive = (weight or 0.0) >= 0
    return Bar(label, weight, round(middle if positive else middle - length, 2),
               round(length, 2), positive, group)


def _scale(weights: list[float | None]) -> float:
    return max((abs(w) for w in weights if w is not None), default=0.0)


def weight_bars(comparisons: list[dict[str, Any]]) -> list[Bar]:
    """One bar per comparison of a pair: its words and its weight."""
    scale = _scale([c.get("weight") for c in comparisons])
    return [_bar(contribution(c), c.get("weight"), scale) for c in comparisons]


def model_chart(rows: list[dict[str, Any]]) -> list[Bar]:
    """`engine.match_weight_chart` rows as bars, one per comparison level, on one scale."""
    scale = _scale([r.get("weight") for r in rows])
    return [_bar(level_words(r["comparison"], r["level"]), r.get("weight"), scale,
                 r["comparison"]) for r in rows]
