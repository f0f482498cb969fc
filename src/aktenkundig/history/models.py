"""Conversations with the assistant, kept server-side per user, and feedback on answers.

Conversations belong to one user of one tenant and are deleted automatically after
the tenant's retention period (data minimisation, Art. 5 (1) e DSGVO). Feedback keeps
a copy of question, answer and sources, so that it stays meaningful for the people
closing knowledge gaps; it is deleted together with its conversation.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import Tenant


def _default_retention() -> int:
    return settings.HISTORY_DEFAULT_RETENTION_DAYS


class RetentionPolicy(models.Model):
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="retention")
    days = models.PositiveIntegerField(
        _("Aufbewahrung (Tage)"),
        default=_default_retention,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Conversations are deleted this many days after their last activity."),
    )

    class Meta:
        verbose_name = _("Aufbewahrungsfrist")
        verbose_name_plural = _("Aufbewahrungsfristen")

    def __str__(self) -> str:
        return f"{self.tenant}: {self.days} Tage"


class Conversation(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    title = models.CharField(_("Titel"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("Unterhaltung")
        verbose_name_plural = _("Unterhaltungen")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["tenant", "user", "-updated_at"])]

    def __str__(self) -> str:
        return self.title


class Turn(models.Model):
    """One question and the answer given, with the sources as they were cited."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    question = models.TextField(_("Frage"))
    answer = models.TextField(_("Antwort"), blank=True)
    citations = models.JSONField(_("Quellen"), default=list)
    collections = models.JSONField(default=list, help_text=_("Collection ids asked"))
    refused = models.BooleanField(default=False)
    ai_generated = models.BooleanField(
        default=True, help_text=_("Text written by a language model (AI Act Art. 50)")
    )
    model = models.CharField(max_length=200, blank=True)
    # A follow-up („Und wie lange gilt das?“) as it was understood and searched; empty
    # when the question stood on its own. The next follow-up is resolved against it.
    query = models.TextField(_("Verstanden als"), blank=True)
    # Asked about one document only („nur in diesem Dokument“); kept so that the
    # conversation continues in that document after a reload.
    document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Frage und Antwort")
        verbose_name_plural = _("Fragen und Antworten")
        ordering = ["conversation", "created_at", "pk"]

    def __str__(self) -> str:
        return self.question[:80]

    @property
    def follow_up_of(self) -> str:
        """The earlier question a follow-up was searched together with (the model-free
        way of resolving it), else empty: shown as „Rückfrage zu …“."""
        suffix = f" {self.question}"
        if self.query.endswith(suffix):
            return self.query[: -len(suffix)]
        return ""

    @property
    def searched(self) -> str:
        """What this turn's question meant on its own."""
        return self.query or self.question


class FeedbackReason(models.TextChoices):
    WRONG = "falsch", _("Antwort falsch")
    SOURCE = "quelle", _("Quelle passt nicht")
    INCOMPLETE = "unvollstaendig", _("unvollständig")
    OUTDATED = "veraltet", _("veraltet")


class Feedback(models.Model):
    turn = models.OneToOneField(Turn, on_delete=models.CASCADE, related_name="feedback")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    helpful = models.BooleanField(_("hilfreich"))
    reasons = models.JSONField(_("Gründe"), default=list)
    comment = models.TextField(_("Kommentar"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Rückmeldung")
        verbose_name_plural = _("Rückmeldungen")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{'+' if self.helpful else '-'} {self.turn}"

    def reason_labels(self) -> list[str]:
        labels = dict(FeedbackReason.choices)
        return [str(labels.get(reason, reason)) for reason in self.reasons]
