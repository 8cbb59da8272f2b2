from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chitra.core"
    label = "core"
    verbose_name = "Core"
