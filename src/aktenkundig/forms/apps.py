from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "aktenkundig.forms"
    label = "forms"
    verbose_name = "Formularerkennung"

    def ready(self) -> None:
        from aktenkundig.forms import intake
        from aktenkundig.inbox.signals import item_received

        item_received.connect(intake.offer, dispatch_uid="forms.intake.offer")
