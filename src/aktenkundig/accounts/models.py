"""Who may do what, in which tenant.

A user belongs to exactly one tenant and holds one or more roles there. Roles are
plain values (not Django groups) because they are checked in domain code, e.g.
"only a KI-Beauftragte may approve a register entry".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import Tenant


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

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant}"

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.roles or (
            Role.ADMINISTRATOR.value in self.roles and str(role) != Role.AI_OFFICER.value
        )
