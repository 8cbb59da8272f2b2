from django.urls import path

from chitra.registry import views

urlpatterns = [
    path("", views.beneficiary_list, name="beneficiary_list"),
    path("<int:pk>/", views.beneficiary_detail, name="beneficiary_detail"),
]
