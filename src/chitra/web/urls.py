from django.urls import path

from chitra.web import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
