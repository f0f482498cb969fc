from django.apps import AppConfig


class LanguageConfig(AppConfig):
    name = "aktenkundig.language"
    label = "language"
    verbose_name = "Sprachdienste"
