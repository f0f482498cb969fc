"""Looking up tenants and collections the way the CLI and the apps need them."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from aktenkundig.core.models import DEFAULT_TENANT_SLUG, AccessLevel, Collection, Tenant


class NotFound(LookupError):
    """A named tenant or collection does not exist (message is user-facing)."""


def get_tenant(slug: str | None = None) -> Tenant:
    """The tenant named ``slug``; the default tenant is created on first use."""
    slug = slug or DEFAULT_TENANT_SLUG
    if slug == DEFAULT_TENANT_SLUG:
        tenant, _ = Tenant.objects.get_or_create(
            slug=DEFAULT_TENANT_SLUG, defaults={"name": "Standard-Mandant"}
        )
        return tenant
    try:
        return Tenant.objects.get(slug=slug)
    except Tenant.DoesNotExist:
        raise NotFound(f"Mandant {slug!r} gibt es nicht.") from None


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
