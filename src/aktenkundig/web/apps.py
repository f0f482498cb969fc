from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "aktenkundig.web"
    label = "web"
