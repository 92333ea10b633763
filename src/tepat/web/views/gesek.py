"""Gesek Ekstrem pages (placeholder until built)."""

from django.http import HttpResponse
from django.urls import path

from tepat.accounts import roles
from tepat.web.access import role_required


@role_required(lambda u: roles.can_manage_gesek(u) or roles.is_official(u))
def gesek_home(request):
    return HttpResponse("todo")


urlpatterns = [path("gesek/", gesek_home, name="gesek_home")]
