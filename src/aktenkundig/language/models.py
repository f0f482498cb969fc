"""Data of the language services: the authority's glossary, its translation memory,
and translations under review.

Everything is per tenant: one authority's fixed terms („Bürgergeld“ stays
„Bürgergeld“, the office names) and its reviewed translations are its own, and a
reviewer of one authority never sees another's texts.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import AccessLevel, Tenant


def segment_key(text: str) -> str:
    """Stable key of a source segment (whitespace-normalised)."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


class GlossaryTerm(models.Model):
    """A Fachbegriff: its plain explanation (checker, Einfache Sprache) and how it is
    translated (fixed target per language; or kept as it is, then explained)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="glossary_terms")
    term = models.CharField(_("Begriff"), max_length=200)
    explanation = models.TextField(
        _("Erklärung in einfacher Sprache"), blank=True,
        help_text=_("Wird im Verständlichkeitscheck neben dem Begriff angezeigt."),
    )
    keep = models.BooleanField(
        _("In Übersetzungen unverändert lassen"), default=False,
        help_text=_("Zum Beispiel Namen von Leistungen oder Ämtern."),
    )
    translations = models.JSONField(
        _("Feste Übersetzungen"), default=dict, blank=True,
        help_text=_("Sprachcode und Übersetzung, zum Beispiel {\"en\": \"citizen's income\"}."),
    )

    class Meta:
        verbose_name = _("Fachbegriff")
        verbose_name_plural = _("Fachbegriffe")
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "term"], name="language_term_unique"),
        ]

    def __str__(self) -> str:
        return self.term


class MemoryEntry(models.Model):
    """One reviewed (or machine) translation of a segment, for reuse."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="translation_memory")
    source_lang = models.CharField(max_length=8)
    target_lang = models.CharField(max_length=8)
    source_key = models.CharField(max_length=64, db_index=True)
    source = models.TextField()
    target = models.TextField()
    approved = models.BooleanField(default=False)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Übersetzungsspeicher-Eintrag")
        verbose_name_plural = _("Übersetzungsspeicher")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source_lang", "target_lang", "source_key"],
                                    name="language_memory_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source[:60]} → {self.target_lang}"


class TranslationBatch(models.Model):
    """All documents of a collection translated into several languages in the
    background (the website in ten languages); each document × language becomes a
    :class:`Translation` that a person reviews like any other."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("wartet")
        RUNNING = "running", _("läuft")
        DONE = "done", _("fertig")
        FAILED = "failed", _("abgebrochen")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("Titel"), max_length=300)
    collection = models.ForeignKey("core.Collection", on_delete=models.CASCADE, related_name="+")
    targets = models.JSONField(default=list)  # language codes
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # [{"document", "target", "reason"}]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


class Translation(models.Model):
    """A text translated segment by segment, waiting for review and publication."""

    class Status(models.TextChoices):
        REVIEW = "review", _("In Prüfung")
        PUBLISHED = "published", _("Veröffentlicht")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(_("Titel"), max_length=300)
    source_lang = models.CharField(max_length=8, default="de")
    target_lang = models.CharField(max_length=8)
    fmt = models.CharField(max_length=10, default="text")  # text, html, markdown
    source = models.TextField()
    access_level = models.IntegerField(choices=AccessLevel.choices, default=AccessLevel.OFFEN)
    backend = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REVIEW)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    published = models.DateTimeField(null=True, blank=True)
    published_text = models.TextField(blank=True)
    batch = models.ForeignKey(TranslationBatch, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="translations")
    document = models.ForeignKey("documents.Document", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("Übersetzung")
        verbose_name_plural = _("Übersetzungen")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("language:review", kwargs={"pk": self.pk})


class Segment(models.Model):
    translation = models.ForeignKey(Translation, on_delete=models.CASCADE,
                                    related_name="segments")
    position = models.PositiveIntegerField()
    source = models.TextField()
    target = models.TextField(blank=True)
    origin = models.CharField(max_length=12, default="machine")  # machine, memory, fuzzy, human
    problems = models.JSONField(default=list, blank=True)
    approved = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["translation", "position"],
                                    name="language_segment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.translation_id}:{self.position}"


class DraftTemplate(models.Model):
    """A tenant's letter or Vermerk template: the fixed parts (letterhead text,
    salutation, closing, signature block) around a body the model drafts. Placeholders:
    ``{anrede}``, ``{betreff}``, ``{text}``, ``{datum}``, ``{gruss}``, ``{zeichen}``."""

    class Kind(models.TextChoices):
        LETTER = "brief", _("Brief")
        NOTE = "vermerk", _("Vermerk")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("Name"), max_length=200)
    kind = models.CharField(_("Art"), max_length=10, choices=Kind.choices, default=Kind.LETTER)
    body = models.TextField(_("Vorlage"))
    closing = models.CharField(_("Grußformel"), max_length=200, default="Mit freundlichen Grüßen")
    guidance = models.TextField(_("Hinweise für den Entwurf"), blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"],
                                               name="language_draft_template_unique")]

    def __str__(self) -> str:
        return self.name
