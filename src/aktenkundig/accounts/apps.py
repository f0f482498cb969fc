from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "aktenkundig.accounts"
    label = "accounts"

    def ready(self) -> None:
        from aktenkundig.accounts import guard  # noqa: F401 - connects the failure counter
