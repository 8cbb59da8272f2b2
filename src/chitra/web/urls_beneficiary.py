"""``/beneficiaries/``: the person's page and letters (web: they show payments and outreach),
then the registry's list and export."""

from django.urls import include, path

from chitra.web import views_beneficiary

urlpatterns = [
    path("<int:pk>/", views_beneficiary.beneficiary_detail, name="beneficiary_detail"),
    path("<int:pk>/letters/<int:authorization>/", views_beneficiary.beneficiary_letter,
         name="beneficiary_letter"),
    path("", include("chitra.registry.urls")),
]
