"""Data-quality flag codes stored on families and persons, with their texts for badges.

The texts come from the pipeline's catalogue (`tepat.pipeline.messages.flag_message`: its own
flags and the NIK/KK problems of `tepat.core.identity`); a code it does not know is shown as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.utils.translation import get_language

from tepat.core.identity import PROBLEMS
from tepat.pipeline.messages import flag_message


@dataclass(frozen=True)
class Flag:
    code: str
    text: str
    severity: str  # "error" (the number is wrong) or "warning"


def english() -> bool:
    """Whether the active language is English (texts that come in an Indonesian/English pair)."""
    return (get_language() or "id").startswith("en")


@cache
def _texts(code: str) -> tuple[str, str, str]:
    try:
        text_id, text_en = flag_message(code)
    except KeyError:
        return code, code, "warning"
    severity = PROBLEMS[code][0] if code in PROBLEMS else "warning"
    return text_id, text_en, severity


def flag_info(code: str) -> Flag:
    text_id, text_en, severity = _texts(code)
    return Flag(code, text_en if english() else text_id, severity)


def flags_of(codes: str) -> list[Flag]:
    """The flags of a comma-separated `flags` column."""
    return [flag_info(code) for code in codes.split(",") if code]
