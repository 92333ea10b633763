"""A refused request (403) writes one log line: user, method, path, reason; no traceback."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tepat.web.logfilters import OneLineForbidden


def _request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


def _warnings_text(caplog) -> str:
    """What the log shows at WARNING and above, formatted (a traceback would be in it)."""
    return "".join(
        caplog.handler.format(r) + "\n" for r in caplog.records if r.levelno >= logging.WARNING
    )


def test_a_403_writes_exactly_one_line_without_a_traceback(client_for, users, caplog):
    client = client_for("operator_desa")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("import_list") + "?nik=3513010101010001")
    assert response.status_code == 403
    [record] = _request_records(caplog)
    text = _warnings_text(caplog)
    assert text.count("\n") == 1 and "Traceback" not in text and record.exc_info is None
    assert record.getMessage() == (
        f"Forbidden 403 user={users.operator_desa.pk}:operator.desa method=GET "
        "path=/impor/ reason=Peran Anda tidak mengizinkan membuka halaman ini."
    )


def test_the_query_string_never_reaches_the_log(client_for, users, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client_for("pimpinan").get(reverse("families") + "?q=3513010101010001")
    assert "3513010101010001" not in caplog.text
    [record] = _request_records(caplog)
    message = record.getMessage()
    assert message.startswith("Forbidden 403 user=") and "path=/keluarga/ " in message


def test_a_path_or_reason_cannot_forge_a_second_log_line(rf):
    request = rf.get("/impor/")
    request.path = "/impor/\nWARNING forged"  # as a %0A in a URL decodes
    request.user = AnonymousUser()
    error = PermissionDenied("alasan\npalsu")
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden: %s",
                               (request.path,), (PermissionDenied, error, None))
    record.status_code, record.request = 403, request
    assert OneLineForbidden().filter(record) is True
    assert record.getMessage() == (
        "Forbidden 403 user=anonymous method=GET path=/impor/\\nWARNING forged "
        "reason=alasan\\npalsu"
    )
    assert record.exc_info is None


def test_other_warnings_of_django_request_are_left_alone(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/tidak-ada/").status_code == 404
    [record] = _request_records(caplog)
    assert record.getMessage() == "Not Found: /tidak-ada/"
