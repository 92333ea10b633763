"""Logging filters of the web app (installed by settings.LOGGING).

Django logs every refused request (PermissionDenied → 403) on `django.request` as a warning
with the exception's full traceback: a user clicking around pages their role may not open
filled the log with hundreds of tracebacks (issue 16 §8). A 403 is an expected answer, not a
fault, so it becomes one line: who, what and why, never the query string (searches by NIK are
posted, but a hand-made URL may carry anything).
"""

from __future__ import annotations

import logging
from typing import Any


def _one_line(text: str) -> str:
    """No line breaks or control characters in the log (a path or reason cannot forge a line)."""
    return text.encode("unicode_escape").decode("ascii")


def _who(request: Any) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    return f"{user.pk}:{_one_line(user.get_username())}"


def _reason(record: logging.LogRecord) -> str:
    exception = record.exc_info[1] if record.exc_info else None
    return _one_line(str(exception)) if exception is not None and str(exception) else "-"


class OneLineForbidden(logging.Filter):
    """Rewrites a 403 record of `django.request` as one line without the traceback:
    `Forbidden 403 user=12:desa.malesanwetan method=GET path=/impor/ reason=…`."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if getattr(record, "status_code", None) != 403 or request is None:
            return True
        record.msg = "Forbidden 403 user=%s method=%s path=%s reason=%s"
        record.args = (_who(request), request.method, _one_line(request.path), _reason(record))
        record.exc_info = None
        record.exc_text = None
        return True
