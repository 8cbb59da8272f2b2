from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "chitra.access"
    label = "access"
