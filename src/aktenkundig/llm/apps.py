from django.apps import AppConfig


class LlmConfig(AppConfig):
    name = "aktenkundig.llm"
    label = "llm"
