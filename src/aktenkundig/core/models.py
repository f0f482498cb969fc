"""Tenants (a Kommune or Behörde) and collections of documents.

Several authorities can share one installation (the "Einer für Alle" principle).
Everything stored belongs to exactly one tenant, and every query filters by it.
"""

from __future__ import annotations

from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _


class AccessLevel(models.IntegerChoices):
    """Data classification, ordered: a higher value is more sensitive.

    A language-model backend declares the highest level it may receive; the
    privacy gate compares these numbers.
    """

    OFFEN = 0, _("offen")
    INTERN = 1, _("intern")
    VERTRAULICH = 2, _("vertraulich")
    VS_NFD = 3, _("VS-NfD")

    @classmethod
    def parse(cls, text: str) -> AccessLevel:
        """Read a level as operators write it: 'offen', 'intern', 'VS-NfD', ..."""
        key = text.strip().lower().replace("_", "-").replace(" ", "-")
        aliases = {
            "offen": cls.OFFEN,
            "public": cls.OFFEN,
            "intern": cls.INTERN,
            "internal": cls.INTERN,
            "vertraulich": cls.VERTRAULICH,
            "confidential": cls.VERTRAULICH,
            "vs-nfd": cls.VS_NFD,
            "vsnfd": cls.VS_NFD,
        }
        if key not in aliases:
            choices = ", ".join(["offen", "intern", "vertraulich", "vs-nfd"])
            raise ValueError(f"unknown access level {text!r}; use one of: {choices}")
        return aliases[key]

    @property
    def code(self) -> str:
        return {0: "offen", 1: "intern", 2: "vertraulich", 3: "vs-nfd"}[self.value]


class Tenant(models.Model):
    slug = models.SlugField(_("Kürzel"), max_length=64, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    contact = models.CharField(
        _("Kontakt"),
        max_length=300,
        blank=True,
        help_text=_("Generic contact for citizens, e.g. buergerservice@gemeinde.de"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The tenant that commands address without --tenant. A flag, not a slug: the slug
    # is the tenant's public name in URLs (/buerger/musterhausen/) and may change.
    is_default = models.BooleanField(_("Standard-Mandant"), default=False, editable=False)

    class Meta:
        verbose_name = _("Mandant")
        verbose_name_plural = _("Mandanten")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_tenant",
            )
        ]

    def __str__(self) -> str:
        return self.name


DEFAULT_TENANT_SLUG = "default"


class CollectionQuerySet(models.QuerySet):
    def for_tenant(self, tenant: Tenant) -> CollectionQuerySet:
        return self.filter(tenant=tenant)

    def public(self) -> CollectionQuerySet:
        """Collections the citizen chatbot may answer from."""
        return self.filter(is_public=True, access_level=AccessLevel.OFFEN)


class Collection(models.Model):
    """A named set of documents with one access level, e.g. 'Satzungen' (offen)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="collections")
    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kürzel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    access_level = models.IntegerField(
        _("Schutzstufe"), choices=AccessLevel.choices, default=AccessLevel.INTERN
    )
    is_public = models.BooleanField(
        _("öffentlich für den Bürger-Chatbot"),
        default=False,
        help_text=_("Only collections with access level 'offen' can be public."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Sammlung")
        verbose_name_plural = _("Sammlungen")
        ordering = ["tenant", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="collection_unique_slug"),
            models.CheckConstraint(
                condition=models.Q(is_public=False) | models.Q(access_level=AccessLevel.OFFEN),
                name="collection_public_only_if_offen",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name) or "sammlung"
        super().save(*args, **kwargs)
