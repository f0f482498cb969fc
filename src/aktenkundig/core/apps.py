from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "aktenkundig.core"
    label = "core"
