"""Looking up tenants and collections the way the CLI and the apps need them."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.text import slugify

from aktenkundig.core.models import DEFAULT_TENANT_SLUG, AccessLevel, Collection, Tenant


class NotFound(LookupError):
    """A named tenant or collection does not exist (message is user-facing)."""


def get_tenant(slug: str | None = None) -> Tenant:
    """The tenant named ``slug``; without one (or with ``"default"`` where no tenant
    has that slug) the default tenant, created on first use."""
    if slug and slug != DEFAULT_TENANT_SLUG:
        try:
            return Tenant.objects.get(slug=slug)
        except Tenant.DoesNotExist:
            raise NotFound(f"Mandant {slug!r} gibt es nicht.") from None
    if slug == DEFAULT_TENANT_SLUG:
        named = Tenant.objects.filter(slug=slug).first()
        if named is not None:
            return named
    default = Tenant.objects.filter(is_default=True).first()
    if default is not None:
        return default
    tenant, _ = Tenant.objects.get_or_create(
        slug=DEFAULT_TENANT_SLUG, defaults={"name": "Standard-Mandant", "is_default": True}
    )
    if not tenant.is_default:
        tenant.is_default = True
        tenant.save(update_fields=["is_default"])
    return tenant


class InvalidTenant(ValueError):
    """A tenant cannot be created as asked (message is user-facing, German)."""


_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


@transaction.atomic
def create_tenant(slug: str, name: str, contact: str = "") -> Tenant:
    """A new tenant for ``aktenkundig tenant add``. The slug appears in public URLs
    (``/buerger/<slug>/``, ``/governance/<slug>/ki-register/``), so it is held to
    lower-case letters, digits and hyphens instead of being silently rewritten."""
    slug, name = slug.strip(), name.strip()
    if not _SLUG.match(slug):
        raise InvalidTenant(
            f"Das Kürzel „{slug}“ ist ungültig: erlaubt sind Kleinbuchstaben a–z, Ziffern "
            "und Bindestriche (höchstens 64 Zeichen, nicht am Anfang oder Ende), "
            "z. B. „musterhausen“."
        )
    if not name:
        raise InvalidTenant("Bitte geben Sie mit --name den Namen der Behörde an.")
    if Tenant.objects.filter(slug=slug).exists():
        raise InvalidTenant(f"Den Mandanten „{slug}“ gibt es schon.")
    return Tenant.objects.create(slug=slug, name=name[:200], contact=contact.strip()[:300])


def get_collection(tenant: Tenant, name: str) -> Collection:
    """The collection called ``name`` (or with that slug) of ``tenant``."""
    found = Collection.objects.filter(tenant=tenant, slug=slugify(name)).first()
    if found is None:
        raise NotFound(f"Sammlung {name!r} gibt es bei {tenant.name} nicht.")
    return found


@transaction.atomic
def get_or_create_collection(
    tenant: Tenant,
    name: str,
    access_level: AccessLevel = AccessLevel.INTERN,
    is_public: bool = False,
) -> Collection:
    collection, _created = Collection.objects.get_or_create(
        tenant=tenant,
        slug=slugify(name) or "sammlung",
        defaults={"name": name, "access_level": access_level, "is_public": is_public},
    )
    return collection
