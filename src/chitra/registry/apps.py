from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "chitra.registry"
    label = "registry"
