from django.contrib.auth import views as auth_views
from django.urls import include, path

from tepat.web.views import account, assets, dashboard, families, home, import_mapping, imports

urlpatterns = [
    # Each role's first page (issue 19 §3); the regency chart dashboard stays in the menu.
    path("", home.home, name="home"),
    path("dasbor/", dashboard.dashboard, name="dashboard"),
    # Password, then the TOTP code for users with two-factor (tepat.web.views.account)
    path("masuk/", account.TwoStepLoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("keluarga/", families.families, name="families"),
    path("", include("tepat.web.views.family_export")),
    path("keluarga/<int:pk>/", families.family_detail, name="family_detail"),
    path("keluarga/<int:pk>/tampilkan/", families.family_reveal, name="family_reveal"),
    path("impor/", imports.import_list, name="import_list"),
    path("impor/baru/", imports.import_new, name="import_new"),
    path("impor/<int:pk>/", imports.import_detail, name="import_detail"),
    path("impor/<int:pk>/progres.json", imports.import_progress, name="import_progress"),
    path("impor/<int:pk>/kesalahan.<str:fmt>", imports.import_errors, name="import_errors"),
    path("impor/<int:pk>/petakan/", import_mapping.import_remap, name="import_remap"),
    path("impor/pemetaan/<str:token>/", import_mapping.import_mapping, name="import_mapping"),
    path("impor/<int:pk>/konfirmasi/", imports.import_confirm, name="import_confirm"),
    path("impor/<int:pk>/batal/", imports.import_cancel, name="import_cancel"),
    path("impor/<int:pk>/perubahan.<str:fmt>", imports.import_changes, name="import_changes"),
    # The verification campaign: each view module owns its urlpatterns.
    path("", include("tepat.web.views.verify")),
    path("", include("tepat.web.views.desa_batch")),
    path("", include("tepat.web.views.evidence_files")),
    path("", include("tepat.web.views.history")),
    path("", include("tepat.web.views.review_family")),
    path("", include("tepat.web.views.change_requests")),
    path("", include("tepat.web.views.proposals")),
    path("", include("tepat.web.views.review")),
    path("", include("tepat.web.views.campaigns")),
    path("", include("tepat.web.views.progress")),
    path("", include("tepat.web.views.odk")),
    # Gesek Ekstrem and convergence (issue 4)
    path("", include("tepat.web.views.gesek")),
    path("", include("tepat.web.views.programmes")),
    path("", include("tepat.web.views.disbursements")),
    path("", include("tepat.web.views.convergence")),
    # Each family's history and the cohort of two target lists (issue 17 §5)
    path("", include("tepat.web.views.cohort")),
    path("", include("tepat.web.views.account")),
    # Onboarding: new users, lists of users, activation codes (issue 19 §2)
    path("", include("tepat.web.views.users_admin")),
    path("", include("tepat.web.views.users_onboarding")),
    # Indicators, reports, maps and the public dashboard (issue 5)
    path("", include("tepat.web.views.indicators")),
    path("", include("tepat.web.views.reports")),
    path("", include("tepat.web.views.public")),
    # The data subject report (issue 6 §2)
    path("", include("tepat.web.views.subject")),
    path("", include("tepat.web.views.access_digest")),
    # Person linkage: the review queue, pairs, clusters, the model and its runs (issue 18)
    path("", include("tepat.web.views.linkage")),
    path("", include("tepat.web.views.linkage_model")),
    path("aset/plotly-<str:version>.min.js", assets.plotly_js, name="plotly_js"),
]
