from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chitra.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from chitra.core import lookups  # noqa: F401  (registers field__any)
