from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "aktenkundig.accounts"
    label = "accounts"
