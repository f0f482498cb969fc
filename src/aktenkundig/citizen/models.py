"""The citizen chatbot's data: anonymous conversations that expire, hand-over
requests to staff, unanswered questions (knowledge gaps) and anonymous counts.

Nothing here identifies a citizen unless they ask for contact: conversations are
keyed by a random token (kept by the browser in a form field, not a cookie),
message text is stored pseudonymised, and the statistics carry no text at all.
The only personal data is the contact a citizen gives, with consent, for a
hand-over; it is stored encrypted and deleted when the request is closed.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import Tenant


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ChannelSettings(models.Model):
    """Per-tenant settings of the public chatbot (set by an administrator)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="citizen_settings")
    enabled = models.BooleanField(_("Bürger-Chatbot aktiv"), default=True)
    allowed_origins = models.TextField(
        _("Erlaubte Websites"),
        blank=True,
        help_text=_(
            "One origin per line (e.g. https://www.gemeinde.de) that may embed the chat. "
            "Empty: the chat can only be opened directly."
        ),
    )
    handover_team = models.CharField(
        _("Zuständiges Team für Weiterleitungen"),
        max_length=200,
        default="Bürgerservice",
    )
    office_contact = models.CharField(
        _("Kontakt der zuständigen Stelle"),
        max_length=300,
        blank=True,
        help_text=_("Shown under every answer. Empty: the tenant's contact."),
    )
    retention_days = models.PositiveIntegerField(
        _("Aufbewahrung von Gesprächen (Tage)"), default=30
    )

    class Meta:
        verbose_name = _("Einstellungen Bürger-Chatbot")
        verbose_name_plural = _("Einstellungen Bürger-Chatbot")

    def __str__(self) -> str:
        return str(self.tenant)

    def origins(self) -> list[str]:
        return [
            line.strip().rstrip("/")
            for line in self.allowed_origins.splitlines()
            if line.strip().startswith(("https://", "http://"))
        ]

    def contact(self) -> str:
        return self.office_contact or self.tenant.contact


class CitizenSessionQuerySet(models.QuerySet):
    def active(self) -> CitizenSessionQuerySet:
        return self.filter(expires_at__gt=timezone.now())


class CitizenSession(models.Model):
    """One anonymous conversation. ``token_hash`` is the SHA-256 of the random
    token the browser holds, so a database copy cannot take over conversations."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=8, default="de")
    plain_language = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    objects = CitizenSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Bürger-Gespräch")
        verbose_name_plural = _("Bürger-Gespräche")

    def __str__(self) -> str:
        return f"{self.tenant} {self.created_at:%Y-%m-%d %H:%M}"


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Bürger/in")
    ASSISTANT = "assistant", _("KI-Assistent")
    STAFF = "staff", _("Mitarbeiter/in")


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("beantwortet")
    NO_SOURCE = "no_source", _("keine Quelle gefunden")
    OFFENSIVE = "offensive", _("beleidigend, höflich abgelehnt")
    TOO_LONG = "too_long", _("zu lang")
    HANDOVER = "handover", _("Mensch gewünscht, Weiterleitung angeboten")


class Message(models.Model):
    session = models.ForeignKey(CitizenSession, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=12, choices=Role.choices)
    # Citizen text is pseudonymised before it is saved (names, e-mail, IBAN, ...).
    text = models.TextField()
    language = models.CharField(max_length=8, default="de")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    generated = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    citations = models.JSONField(default=list, blank=True)
    feedback = models.SmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:40]}"


class QuestionStat(models.Model):
    """One question, counted for analytics: no text, no session, nothing personal.
    Kept after the conversation has expired."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(db_index=True)
    language = models.CharField(max_length=8)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    topic = models.CharField(max_length=500, blank=True)
    feedback = models.SmallIntegerField(null=True, blank=True)
    message = models.OneToOneField(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="stat"
    )

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.outcome}"


class HandoverStatus(models.TextChoices):
    OPEN = "open", _("offen")
    ANSWERED = "answered", _("beantwortet")
    CLOSED = "closed", _("abgeschlossen")


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("E-Mail")
    PHONE = "phone", _("Telefon")


class HandoverRequest(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        CitizenSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handovers",
    )
    team = models.CharField(_("Team"), max_length=200)
    channel = models.CharField(_("Kontaktweg"), max_length=8, choices=ContactChannel.choices)
    # Fernet-encrypted; emptied when the request is closed.
    contact_encrypted = models.TextField(blank=True)
    consent_at = models.DateTimeField(_("Einwilligung erteilt"))
    note = models.TextField(_("Anliegen"), blank=True)
    transcript = models.JSONField(_("Gesprächsverlauf"), default=list)
    language = models.CharField(max_length=8, default="de")
    status = models.CharField(
        max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.OPEN
    )
    answer = models.TextField(_("Antwort"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Weiterleitung an Mitarbeitende")
        verbose_name_plural = _("Weiterleitungen an Mitarbeitende")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class KnowledgeGap(models.Model):
    """A question the public documents did not answer, grouped by its
    normalised (pseudonymised) wording."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    question = models.TextField()
    language = models.CharField(max_length=8, default="de")
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("Wissenslücke")
        verbose_name_plural = _("Wissenslücken")
        ordering = ["-count", "-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="knowledge_gap_unique_key")
        ]

    def __str__(self) -> str:
        return self.question[:80]
