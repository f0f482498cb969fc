"""Who may do what, in which tenant.

A user belongs to exactly one tenant and holds one or more roles there. Roles are
plain values (not Django groups) because they are checked in domain code, e.g.
"only a KI-Beauftragte may approve a register entry".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import AccessLevel, Tenant


class Role(models.TextChoices):
    STAFF = "beschaeftigte", _("Beschäftigte")
    SUBJECT_ADMIN = "fachadmin", _("Fachadmin")
    AI_OFFICER = "ki_beauftragte", _("KI-Beauftragte")
    DATA_PROTECTION = "datenschutz", _("Datenschutz")
    AUDIT = "revision", _("Revision")
    ADMINISTRATOR = "administrator", _("Administrator")


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="memberships")
    unit = models.CharField(
        _("Organisationseinheit"), max_length=200, blank=True, help_text=_("e.g. 'Amt 32'")
    )
    roles = models.JSONField(_("Rollen"), default=list)
    clearance = models.IntegerField(
        _("Freigabe bis Schutzstufe"),
        choices=AccessLevel.choices,
        default=AccessLevel.INTERN,
        help_text=_("Highest access level of collections this person may read."),
    )

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant}"

    def role_labels(self) -> list[str]:
        """The roles as people read them ("KI-Beauftragte"), not their keys."""
        labels = dict(Role.choices)
        return [str(labels.get(role, role)) for role in self.roles]

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.roles or (
            Role.ADMINISTRATOR.value in self.roles and str(role) != Role.AI_OFFICER.value
        )


class CollectionUnit(models.Model):
    """Restricts a collection to organisational units.

    A collection without any entry is open to everybody of its tenant (within
    their clearance); with entries, only members of those units see it, and
    only Fachadmins of those units manage it.
    """

    collection = models.ForeignKey(
        "core.Collection", on_delete=models.CASCADE, related_name="unit_grants"
    )
    unit = models.CharField(_("Organisationseinheit"), max_length=200)

    class Meta:
        verbose_name = _("Sammlungsfreigabe")
        verbose_name_plural = _("Sammlungsfreigaben")
        constraints = [
            models.UniqueConstraint(fields=["collection", "unit"], name="collection_unit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.collection} → {self.unit}"


class ApiToken(models.Model):
    """A personal token for the REST API. Only its SHA-256 is stored: a leaked
    database does not leak usable tokens (the token has 256 bits of entropy, so
    a fast hash is enough)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("Bezeichnung"), max_length=100)
    prefix = models.CharField(max_length=12, help_text=_("First characters, to recognise it"))
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("gültig bis"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-Schlüssel")
        verbose_name_plural = _("API-Schlüssel")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
