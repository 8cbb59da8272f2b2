from django.urls import include, path

from chitra.web import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/", include("chitra.access.urls")),
    path("beneficiaries/", include("chitra.web.urls_beneficiary")),
    path("imports/", include("chitra.registry.importing.urls")),
    path("payments/", include("chitra.payments.urls")),
    path("outreach/", include("chitra.outreach.urls")),
    path("reporting/", include("chitra.reporting.urls")),
    path("verification/", include("chitra.verification.urls")),
]
