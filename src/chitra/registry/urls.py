from django.urls import path

from chitra.registry import views

# The beneficiary page itself (``beneficiary_detail``) and its letters are in
# chitra.web.urls_beneficiary: they show payments and outreach, which registry may not import.
urlpatterns = [
    path("", views.beneficiary_list, name="beneficiary_list"),
    path("export.xlsx", views.beneficiary_export, name="beneficiary_export"),
]
