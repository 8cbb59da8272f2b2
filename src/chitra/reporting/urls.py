from django.urls import path

from chitra.reporting import views, views_targets

urlpatterns = [
    path("", views.overview, name="reporting_overview"),
    path("nation/", views.nation, name="reporting_nation"),
    path("p/<str:code>/", views.province, name="reporting_province"),
    path("p/<str:code>/w/<str:ward>/", views.ward, name="reporting_ward"),
    path("p/<str:code>/targets/", views_targets.page, name="reporting_targets"),
    path("p/<str:code>/report/<slug:kind>.<slug:fmt>", views.report,
         name="reporting_province_report"),
    path("p/<str:code>/w/<str:ward>/report/<slug:kind>.<slug:fmt>", views.report,
         name="reporting_ward_report"),
]
