"""The Posteingang's data: a tenant's organisation (units, document types), incoming
items, and the stored versions of its routing models.

Every row carries its tenant and every query in services.py filters by it: models
and items of one authority are never seen by, trained on or routed to another.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import Tenant

#: the document types a new tenant starts with (editable afterwards)
DEFAULT_TYPES = (
    "Antrag", "Widerspruch", "Änderungsmitteilung", "Rechnung", "Beschwerde", "Anfrage",
    "Sonstiges",
)


class Unit(models.Model):
    """An Organisationseinheit of the Geschäftsverteilungsplan."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("Kürzel"), max_length=40)
    name = models.CharField(_("Name"), max_length=200)
    description = models.TextField(_("Aufgaben"), blank=True)
    keywords = models.TextField(_("Stichwörter"), blank=True,
                                help_text=_("Comma-separated, used for the cold start."))
    deputy = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("Vertretung"))
    delivery = models.CharField(
        _("Zustellung"), max_length=500, blank=True,
        help_text=_("Empty: the unit's queue in aktenkundig; mailto:…, a folder path or "
                    "https://… (webhook)."),
    )
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"],
                                               name="inbox_unit_code_per_tenant")]
        verbose_name = _("Organisationseinheit")
        verbose_name_plural = _("Organisationseinheiten")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def profile(self) -> str:
        """What the cold start compares letters with."""
        return " ".join(part for part in (self.name, self.description, self.keywords) if part)


class DocumentType(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("Name"), max_length=100)
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"],
                                               name="inbox_type_name_per_tenant")]
        verbose_name = _("Dokumentart")
        verbose_name_plural = _("Dokumentarten")

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    UPLOAD = "upload", _("Hochladen")
    API = "api", _("Schnittstelle")
    FOLDER = "folder", _("Scanordner")
    IMAP = "imap", _("E-Mail-Postfach")


class Status(models.TextChoices):
    WAITING = "waiting", _("wartet auf Prüfung")
    ROUTED = "routed", _("automatisch zugeordnet")
    CONFIRMED = "confirmed", _("zugeordnet")
    FAILED = "failed", _("nicht lesbar")


class Item(models.Model):
    """One incoming letter (a mail with its attachments, one scanned letter, one upload)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField(_("Eingangsdatum"), db_index=True)
    channel = models.CharField(_("Eingangsweg"), max_length=20, choices=Channel.choices)
    source = models.CharField(_("Herkunft"), max_length=500, blank=True)
    source_key = models.CharField(max_length=200, blank=True, db_index=True,
                                  help_text="e.g. the IMAP UID: an item is taken once")
    original = models.FileField(_("Original"), max_length=300, blank=True)
    original_name = models.CharField(max_length=300, blank=True)
    mime_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    title = models.CharField(_("Betreff"), max_length=500, blank=True)
    text = models.TextField(_("Text"), blank=True)
    error = models.CharField(_("Grund"), max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING,
                              db_index=True)
    suggested_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    unit_probability = models.FloatField(null=True, blank=True)
    suggested_type = models.ForeignKey(DocumentType, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    type_probability = models.FloatField(null=True, blank=True)
    abstained = models.BooleanField(default=True)
    cold_start = models.BooleanField(default=False)
    candidates = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    model_version = models.ForeignKey("RoutingModel", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    oversight = models.ForeignKey("governance.OversightItem", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="items", verbose_name=_("zuständig"))
    doc_type = models.ForeignKey(DocumentType, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    #: True only for a decision a person made: training reads nothing else
    human_confirmed = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["tenant", "status", "received_at"])]
        verbose_name = _("Eingang")
        verbose_name_plural = _("Eingänge")

    def __str__(self) -> str:
        return self.title or self.original_name or f"#{self.pk}"


class RoutingModel(models.Model):
    """One trained version of a tenant's routing model, with its evaluation."""

    class Target(models.TextChoices):
        UNIT = "unit", _("Organisationseinheit")
        TYPE = "type", _("Dokumentart")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=10, choices=Target.choices, default=Target.UNIT)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=200, blank=True,
                              help_text="confirmed items, or the file a CLI run read")
    n_items = models.PositiveIntegerField(default=0)
    labels = models.JSONField(default=list)
    evaluation = models.JSONField(default=dict)
    threshold = models.FloatField(null=True, blank=True)
    #: the fitted model as .npz (numbers and vocabulary only, read without pickle)
    blob = models.BinaryField()
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["tenant", "target", "version"],
                                               name="inbox_model_version_per_tenant")]

    def __str__(self) -> str:
        return f"{self.get_target_display()} v{self.version}"

    @property
    def label(self) -> str:
        return f"inbox-{self.target}-v{self.version}"


class InboxSettings(models.Model):
    """Per-tenant switches of the Posteingang (set by an administrator)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    auto_route = models.BooleanField(
        _("sichere Zuordnungen automatisch weiterleiten"), default=False,
        help_text=_("Only above the measured threshold, and only while the KI-Register "
                    "entry and the KI-Richtlinie allow it."),
    )
    archive_dir = models.CharField(_("Archivordner des Scanordners"), max_length=500,
                                   blank=True)

    def __str__(self) -> str:
        return str(self.tenant)


class Delivery(models.Model):
    """One hand-over of an item to its unit's external target (webhook, mail, folder).

    The idempotency key is fixed per item and target: a receiver that gets the same
    key twice (a retry after a lost answer) can drop the second one."""

    class State(models.TextChoices):
        PENDING = "pending", _("ausstehend")
        DONE = "done", _("zugestellt")
        FAILED = "failed", _("gescheitert")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="deliveries")
    target = models.CharField(max_length=500)
    key = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "target"],
                                               name="inbox_delivery_once_per_target")]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.target}"
