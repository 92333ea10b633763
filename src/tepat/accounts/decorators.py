"""`recent_auth_required`: ask for the password (and the code) again before sensitive actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from tepat.accounts.sessions import auth_age

View = Callable[..., HttpResponse]


def return_path(request: HttpRequest) -> str:
    """Where to come back to: this page for a GET; for a POST (which cannot be repeated by a
    redirect) the page the form was on, when it is on this site; else the dashboard."""
    if request.method in {"GET", "HEAD"}:
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def recent_auth_required(view: View | None = None, *, max_age: int | None = None) -> Any:
    """Let the view run only if the user proved who they are (password, and the TOTP code if
    enrolled) at most `max_age` seconds ago (default SESSION_REAUTH_SECONDS, 10 minutes);
    otherwise send them to the re-authentication page, which brings them back.

    Use as `@recent_auth_required` or `@recent_auth_required(max_age=300)`, inside the role
    check (so a role that may not do it still gets its 403 first)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            limit = settings.SESSION_REAUTH_SECONDS if max_age is None else max_age
            age = auth_age(request.session)
            if age is None or age > limit:
                return redirect(f"{reverse('reauth')}?{urlencode({'next': return_path(request)})}")
            return view(request, *args, **kwargs)

        wrapper.recent_auth_max_age = max_age  # type: ignore[attr-defined]
        return wrapper

    return decorator(view) if view is not None else decorator
