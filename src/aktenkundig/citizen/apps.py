from django.apps import AppConfig


class CitizenConfig(AppConfig):
    name = "aktenkundig.citizen"
    label = "citizen"
