from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "chitra.web"
    label = "web"
