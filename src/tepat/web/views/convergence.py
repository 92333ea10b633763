"""Convergence pages (placeholder until built)."""

from django.http import HttpResponse
from django.urls import path

from tepat.accounts import roles
from tepat.web.access import role_required


@role_required(roles.can_view_convergence)
def convergence(request):
    return HttpResponse("todo")


urlpatterns = [path("konvergensi/", convergence, name="convergence")]
