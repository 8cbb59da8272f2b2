from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("chitra.web.urls")),
]

handler403 = "chitra.web.views.permission_denied"
