"""The admin kabupaten's campaign and target list pages (placeholder until built)."""

from django.http import HttpResponse
from django.urls import path

from tepat.accounts import roles
from tepat.web.access import role_required


@role_required(roles.can_manage_campaigns)
def campaign_list(request):
    return HttpResponse("todo")


@role_required(roles.can_view_target_lists)
def target_lists(request):
    return HttpResponse("todo")


urlpatterns = [
    path("kampanye/", campaign_list, name="campaign_list"),
    path("daftar-sasaran/", target_lists, name="target_lists"),
]
