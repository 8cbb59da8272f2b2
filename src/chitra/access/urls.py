"""Mounted at ``account/`` by the site urls."""

from django.urls import path

from chitra.access import views

urlpatterns = [
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]
