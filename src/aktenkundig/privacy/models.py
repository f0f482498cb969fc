"""Per-tenant privacy policy, the encrypted pseudonym vault and privacy events.

The vault table holds only Fernet tokens: a database dump without the vault key
(``AKTENKUNDIG_VAULT_KEY`` or ``DATA_DIR/vault_key``) reveals no mapping. It is
deliberately separate from the audit log, which records *that* something was
re-identified, never the values.
"""

from __future__ import annotations

import regex
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import Tenant


class PrivacyMode(models.TextChoices):
    PSEUDONYMISE = "pseudonymise", _("pseudonymisieren")
    REDACT = "redact", _("schwärzen")
    OFF = "off", _("aus (nur offene Daten auf eigenem Server)")


class PrivacyPolicy(models.Model):
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="privacy_policy")
    mode = models.CharField(
        _("Modus"), max_length=20, choices=PrivacyMode.choices, default=PrivacyMode.PSEUDONYMISE
    )
    reidentify_roles = models.JSONField(
        _("Rollen mit Klartext-Ansicht"),
        default=list,
        blank=True,
        help_text=_("Empty: Beschäftigte, Fachadmin, Datenschutz, Administrator."),
    )

    class Meta:
        verbose_name = _("Datenschutz-Einstellung")
        verbose_name_plural = _("Datenschutz-Einstellungen")

    def __str__(self) -> str:
        return f"{self.tenant}: {self.get_mode_display()}"


class CustomPattern(models.Model):
    """A tenant's own identifier format, e.g. Aktenzeichen '32-1234/2024'."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="pii_patterns")
    name = models.CharField(_("Name"), max_length=100)
    entity_type = models.CharField(
        _("Typ"), max_length=40, default="FILE_NUMBER", help_text=_("e.g. FILE_NUMBER")
    )
    regex = models.CharField(_("Regulärer Ausdruck"), max_length=500)
    context = models.CharField(
        _("Kontextwörter"), max_length=500, blank=True, help_text=_("comma-separated")
    )
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("eigenes Muster")
        verbose_name_plural = _("eigene Muster")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="pii_pattern_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.full_clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            compiled = regex.compile(self.regex)
        except regex.error as error:
            raise ValidationError(
                {"regex": _("Ungültiger regulärer Ausdruck: %(error)s") % {"error": error}}
            ) from error
        if compiled.match(""):
            raise ValidationError({"regex": _("Das Muster darf nicht leer passen.")})
        if not regex.fullmatch(r"[A-Z][A-Z0-9_]{1,39}", self.entity_type):
            raise ValidationError({"entity_type": _("Typ in Großbuchstaben, z. B. FILE_NUMBER.")})

    def context_words(self) -> list[str]:
        return [w.strip().lower() for w in self.context.split(",") if w.strip()]


class VaultEntry(models.Model):
    """The encrypted placeholder mapping of one case or conversation (``scope``)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=200)
    token = models.BinaryField(help_text="Fernet token of the JSON mapping")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "scope"], name="vault_unique_scope")
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.scope}"


class PrivacyEventKind(models.TextChoices):
    PSEUDONYMISED = "pseudonymised", _("pseudonymisiert")
    REIDENTIFIED = "reidentified", _("re-identifiziert")
    REIDENTIFY_DENIED = "reidentify_denied", _("Re-Identifizierung verweigert")
    ROUTED = "routed", _("Modell gewählt")
    ROUTING_REFUSED = "routing_refused", _("Modellaufruf verweigert")


class PrivacyEvent(models.Model):
    """What the privacy layer did; never contains the personal data itself."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=PrivacyEventKind.choices)
    scope = models.CharField(max_length=200, blank=True)
    backend = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Datenschutz-Ereignis")
        verbose_name_plural = _("Datenschutz-Ereignisse")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.scope}"
