from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "chitra.verification"
    label = "verification"
    verbose_name = "Verification"
