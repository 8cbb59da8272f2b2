"""Mounted at ``payments/`` by the site urls."""

from django.urls import path

from chitra.payments import views

urlpatterns = [
    path("", views.cycle_list, name="payment_cycles"),
    path("open/", views.cycle_open, name="payment_cycle_open"),
    path("<int:pk>/", views.cycle_detail, name="payment_cycle"),
    path("<int:pk>/status.json", views.cycle_status, name="payment_cycle_status"),
    path("<int:pk>/compute/", views.cycle_compute, name="payment_cycle_compute"),
    path("<int:pk>/approve/", views.cycle_approve, name="payment_cycle_approve"),
    path("<int:pk>/export/", views.cycle_export, name="payment_cycle_export"),
    path("<int:pk>/close/", views.cycle_close, name="payment_cycle_close"),
    path("<int:pk>/release/", views.cycle_release, name="payment_cycle_release"),
    path("<int:pk>/manifest.json", views.manifest_download, name="payment_manifest"),
    path("<int:pk>/cash/<str:name>", views.cash_list_download, name="payment_cash_list"),
    path("<int:pk>/reconciliation/", views.reconciliation, name="payment_reconciliation"),
    path("<int:pk>/reconciliation.xlsx", views.reconciliation_xlsx,
         name="payment_reconciliation_xlsx"),
    path("<int:pk>/reconciliation-<str:part>.csv", views.reconciliation_csv,
         name="payment_reconciliation_csv"),
    path("files/", views.file_list, name="payment_files"),
    path("files/<int:pk>.<str:kind>", views.file_download, name="payment_file"),
    path("status/", views.status_upload, name="payment_status_upload"),
    path("status/<str:token>/", views.status_result, name="payment_status_result"),
]
