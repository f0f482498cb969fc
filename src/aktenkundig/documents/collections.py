"""Changing a collection: who may, and the audit record of every change.

A collection's access level and public flag decide who reads its documents, the
citizen chatbot included. Changing them is therefore gated by clearance for the
higher of the old and the new level (``accounts.services.may_set_level``), and
every change is written to the tenant's audit chain with who, when (the chain's
timestamp), before and after -- so a declassification cannot happen quietly.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aktenkundig.accounts.models import CollectionUnit, Membership, Role
from aktenkundig.accounts.services import may_set_level
from aktenkundig.core.models import AccessLevel, Collection, Tenant
from aktenkundig.governance import audit


class NotCleared(PermissionError):
    """The person lacks clearance for the old or the new level."""


def snapshot(collection: Collection | None) -> dict[str, Any] | None:
    """What the audit record keeps of a collection's state."""
    if collection is None or collection.pk is None:
        return None
    return {
        "name": collection.name,
        "access_level": AccessLevel(collection.access_level).code,
        "is_public": collection.is_public,
        "units": sorted(collection.unit_grants.values_list("unit", flat=True)),
    }


@transaction.atomic
def save_collection(
    collection: Collection, *, tenant: Tenant, user, membership: Membership, units: list[str]
) -> Collection:
    """Save ``collection`` (new or changed, not yet saved) with its unit grants and
    audit the change. Raises :class:`NotCleared` when the level change is not allowed."""
    before_row = (
        Collection.objects.select_for_update().filter(pk=collection.pk, tenant=tenant).first()
        if collection.pk
        else None
    )
    before = snapshot(before_row)
    old_level = before_row.access_level if before_row is not None else None
    if not may_set_level(user, old_level, collection.access_level):
        raise NotCleared(collection.access_level)
    collection.tenant = tenant
    collection.save()
    if not membership.has_role(Role.ADMINISTRATOR) and membership.unit:
        # A Fachadmin cannot lock their own unit out of a collection.
        units = sorted({*units, membership.unit}) if units else units
    CollectionUnit.objects.filter(collection=collection).exclude(unit__in=units).delete()
    for unit in units:
        CollectionUnit.objects.get_or_create(collection=collection, unit=unit)
    after = snapshot(collection)
    if before != after:
        audit.log_data_event(
            tenant, user=user,
            action="collection.created" if before is None else "collection.changed",
            details={"collection": collection.pk, "before": before, "after": after},
        )
    return collection
