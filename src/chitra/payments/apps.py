from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "chitra.payments"
    label = "payments"
