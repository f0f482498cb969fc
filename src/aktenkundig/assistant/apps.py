from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "aktenkundig.assistant"
    label = "assistant"
