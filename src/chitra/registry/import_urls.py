"""Mounted at ``imports/`` by the site urls."""

from django.urls import path

from chitra.registry import import_views as views

urlpatterns = [
    path("", views.import_upload, name="import_upload"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/status.json", views.import_status, name="import_status"),
    path("<int:pk>/errors.xlsx", views.import_report, name="import_report"),
    path("template.<str:fmt>", views.import_template, name="import_template"),
]
