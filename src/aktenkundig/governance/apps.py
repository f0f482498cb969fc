from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_save


class GovernanceConfig(AppConfig):
    name = "aktenkundig.governance"
    label = "governance"
    verbose_name = "KI-Governance"

    def ready(self) -> None:
        from aktenkundig.core.models import Tenant

        post_save.connect(_prefill_register, sender=Tenant, dispatch_uid="governance-prefill")
        checks.register(check_training_modules)


def check_training_modules(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every offered language's training modules load and every translation matches its
    German module (``manage.py check`` and deployment fail before a drifted quiz ships:
    grading uses the German answer indexes)."""
    from django.conf import settings

    from aktenkundig.governance import literacy

    errors = []
    for code, _name in settings.LANGUAGES:
        try:
            literacy.modules(code)
        except (ValueError, KeyError) as exc:
            errors.append(checks.Error(
                f"Schulungsmodule ({code}): {exc}", obj="governance.training",
                hint="Übersetzung an das deutsche Modul angleichen (Version, Quizfragen, "
                     "Antwortoptionen, richtige Antworten).",
                id="governance.E001",
            ))
    return errors


def _prefill_register(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Every new tenant starts with drafts for aktenkundig's own AI features (all off)."""
    if created and not raw:
        from aktenkundig.governance.register import ensure_default_entries

        ensure_default_entries(instance)
