"""Form types (versioned, per tenant) and the submissions recognised against them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from aktenkundig.core.models import Tenant


class FormType(models.Model):
    """One edition of an official form. A new edition is a new row with the next
    ``version``; submissions keep pointing at the edition they were read with."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="form_types")
    name = models.CharField(max_length=120)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=300, blank=True)
    schema = models.JSONField()
    blank = models.BinaryField(blank=True)  # the blank PDF (empty for declared forms)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # the specialist system: committed records are POSTed here, HMAC-signed
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["tenant", "name", "-version"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name", "version"],
                                               name="formtype_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Submission(models.Model):
    """One recognised incoming form, waiting for or past a person's review."""

    class Status(models.TextChoices):
        OPEN = "open", "offen"
        COMMITTED = "committed", "übernommen"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="form_submissions")
    form_type = models.ForeignKey(FormType, on_delete=models.PROTECT, related_name="submissions")
    filename = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=20)  # acroform | scan
    original = models.BinaryField(blank=True)
    page_images = models.JSONField(default=dict)  # page → PNG base64 (registered scan)
    result = models.JSONField()  # recognition output (fields with confidence, bbox)
    values = models.JSONField(null=True, blank=True)  # committed values
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    oversight_item = models.ForeignKey("governance.OversightItem", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    #: the Posteingang item the form arrived as (forms.intake), if it came that way
    inbox_item = models.ForeignKey("inbox.Item", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    delivery_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.form_type} #{self.pk}"
