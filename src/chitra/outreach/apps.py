from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "chitra.outreach"
    label = "outreach"
