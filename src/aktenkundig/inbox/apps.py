from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "aktenkundig.inbox"
    label = "inbox"
    verbose_name = "Posteingang"
