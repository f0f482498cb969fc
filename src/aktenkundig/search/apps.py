from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "aktenkundig.search"
    label = "search"
