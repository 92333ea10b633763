"""Programme and intervention pages for agencies (placeholder until built)."""

from django.http import HttpResponse
from django.urls import path

from tepat.accounts import roles
from tepat.web.access import role_required


@role_required(roles.can_manage_programmes)
def programmes(request):
    return HttpResponse("todo")


urlpatterns = [path("program/", programmes, name="programmes")]
