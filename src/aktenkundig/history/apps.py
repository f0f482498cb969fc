from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "aktenkundig.history"
    label = "history"
    verbose_name = "Verlauf und Rückmeldungen"
