from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "aktenkundig.privacy"
    label = "privacy"
