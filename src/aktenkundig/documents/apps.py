from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "aktenkundig.documents"
    label = "documents"
