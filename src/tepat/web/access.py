"""Who may open what in the web app (DESIGN.md §5).

Views fetch personal data only through these helpers. The area rule lives in the registry's
scoped querysets (`for_user`): an object outside the user's area answers 404, exactly like one
that does not exist; an object inside the area that the role may not open answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from tepat.accounts import roles
from tepat.registry.models import Family, SourceBatch

View = Callable[..., HttpResponse]


def no_store(view: View) -> View:
    """Personal data must not stay in a browser's or a proxy's cache (shared office computers)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


def role_required(check: Callable[[Any], bool]) -> Callable[[View], View]:
    """Anonymous users go to the login page; a logged-in user whose role fails `check` gets 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied(_("Peran Anda tidak mengizinkan membuka halaman ini."))
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


registry_required = role_required(roles.can_view_registry)
import_required = role_required(roles.can_import)


def get_family_for_user(user: Any, pk: int) -> Family:
    """The family if it lies in the user's area (else 404) and the role may open it (else 403)."""
    family = (
        Family.objects.for_user(user)
        .select_related("desa", "kecamatan", "batch")
        .filter(pk=pk)
        .first()
    )
    if family is None:
        raise Http404(_("Keluarga tidak ditemukan."))
    if not roles.can_view_registry(user):
        raise PermissionDenied(_("Peran Anda tidak mengizinkan membuka data by name by address."))
    return family


def get_batch_for_user(user: Any, pk: int) -> SourceBatch:
    """An import batch. Batches are the instance's (one kabupaten), not an area's: the views'
    `import_required` lets only the admin kabupaten in; `user` is kept for the helpers' shape."""
    batch = SourceBatch.objects.select_related("imported_by").filter(pk=pk).first()
    if batch is None:
        raise Http404(_("Impor tidak ditemukan."))
    return batch
