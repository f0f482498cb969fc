"""Documents (the original files, kept byte-for-byte) and their chunks (passages).

A chunk is the unit of search and citation: it knows its document, the section
path it sits in (e.g. "§ 5 Steuersatz > (2)") and its page, so that every answer
can point to a place a person can check.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktenkundig.core.models import AccessLevel, Collection, Tenant


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("wartet")
    PROCESSING = "processing", _("wird gelesen")
    OCR = "ocr", _("Texterkennung (OCR)")
    EMBEDDING = "embedding", _("wird eingebettet")
    INDEXED = "indexed", _("durchsuchbar")
    FAILED = "failed", _("fehlgeschlagen")
    # Bound for a public collection with personal data in it: not searchable
    # until a person who manages the collection releases it (issue #9, 3).
    REVIEW = "review", _("Prüfung nötig")


class DocumentQuerySet(models.QuerySet):
    def for_tenant(self, tenant: Tenant) -> DocumentQuerySet:
        return self.filter(tenant=tenant)


class Document(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="documents")
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("Titel"), max_length=500)
    source_path = models.CharField(
        _("Quelle"), max_length=1000, help_text=_("Path of the ingested file as given")
    )
    original_name = models.CharField(_("Dateiname"), max_length=300)
    original = models.FileField(_("Originaldatei"), upload_to="", max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(_("Größe (Bytes)"))
    mime_type = models.CharField(max_length=120)
    document_date = models.DateField(_("Datum"), null=True, blank=True)
    page_count = models.IntegerField(null=True, blank=True)
    access_level = models.IntegerField(
        _("Schutzstufe"),
        choices=AccessLevel.choices,
        null=True,
        blank=True,
        help_text=_("Empty: the collection's level applies."),
    )
    status = models.CharField(
        max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    error = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hochgeladen von"),
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trotz personenbezogener Daten veröffentlicht von"),
    )
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Dokument")
        verbose_name_plural = _("Dokumente")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "sha256"], name="document_unique_content_per_collection"
            ),
        ]
        indexes = [models.Index(fields=["collection", "source_path"])]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_access_level(self) -> int:
        if self.access_level is not None:
            return max(self.access_level, self.collection.access_level)
        return self.collection.access_level


class ChunkQuerySet(models.QuerySet):
    def for_tenant(self, tenant: Tenant) -> ChunkQuerySet:
        return self.filter(tenant=tenant)


class Chunk(models.Model):
    """A passage of a document. ``tenant`` and ``collection`` are copied from the
    document so that search filters on this table alone."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="+")
    ordinal = models.IntegerField(help_text=_("Position within the document, from 0"))
    text = models.TextField()
    section = models.CharField(
        max_length=1000,
        blank=True,
        help_text=_("Section path, e.g. '§ 5 Steuersatz > (2)' or 'Anlage 1 > Gebühren'"),
    )
    page = models.IntegerField(null=True, blank=True, help_text=_("First page, from 1"))
    char_start = models.IntegerField(default=0)
    char_end = models.IntegerField(default=0)

    objects = ChunkQuerySet.as_manager()

    class Meta:
        ordering = ["document", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["document", "ordinal"], name="chunk_unique_ordinal"),
        ]
        indexes = [models.Index(fields=["tenant", "collection"])]

    def __str__(self) -> str:
        return f"{self.document.title} [{self.ordinal}]"

    def context_header(self) -> str:
        """Title and section, as prepended to the text for search and for models."""
        return " > ".join(part for part in (self.document.title, self.section) if part)
