from django.apps import AppConfig


class SpeechConfig(AppConfig):
    name = "aktenkundig.speech"
    label = "speech"
    verbose_name = "Untertitel"
