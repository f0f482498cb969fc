from django.apps import AppConfig
from django.db.models.signals import post_save


class GovernanceConfig(AppConfig):
    name = "aktenkundig.governance"
    label = "governance"
    verbose_name = "KI-Governance"

    def ready(self) -> None:
        from aktenkundig.core.models import Tenant

        post_save.connect(_prefill_register, sender=Tenant, dispatch_uid="governance-prefill")


def _prefill_register(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Every new tenant starts with drafts for aktenkundig's own AI features (all off)."""
    if created and not raw:
        from aktenkundig.governance.register import ensure_default_entries

        ensure_default_entries(instance)
