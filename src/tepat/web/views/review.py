"""The operator kecamatan's review pages (placeholder until built)."""

from django.http import HttpResponse
from django.urls import path

from tepat.accounts import roles
from tepat.web.access import role_required


@role_required(roles.can_review)
def review(request):
    return HttpResponse("todo")


urlpatterns = [path("periksa/", review, name="review")]
