from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "aktenkundig.forms"
    label = "forms"
    verbose_name = "Formularerkennung"
