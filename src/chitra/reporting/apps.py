from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "chitra.reporting"
    label = "reporting"
