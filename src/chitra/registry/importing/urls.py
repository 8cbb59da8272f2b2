"""Mounted at ``imports/`` by the site urls."""

from django.urls import path

from chitra.registry.importing import account_change_views, views

urlpatterns = [
    path("", views.import_upload, name="import_upload"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/status.json", views.import_status, name="import_status"),
    path("<int:pk>/errors.xlsx", views.import_report, name="import_report"),
    path("template.<str:fmt>", views.import_template, name="import_template"),
    path("account-changes/", account_change_views.account_changes, name="account_changes"),
    path("account-changes/<int:pk>/", account_change_views.account_change_decide,
         name="account_change_decide"),
]
