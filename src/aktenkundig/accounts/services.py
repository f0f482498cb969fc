"""Tenant and role lookups every app uses for permission checks."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from aktenkundig.accounts.models import Membership, Role
from aktenkundig.core.models import Tenant


class NoTenant(PermissionError):
    """The user has no tenant membership and may see nothing."""


def membership_of(user: AbstractBaseUser | AnonymousUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("tenant").filter(user=user).first()


def tenant_of(user: AbstractBaseUser | AnonymousUser) -> Tenant:
    """The user's tenant; raises NoTenant for users without membership."""
    membership = membership_of(user)
    if membership is None:
        raise NoTenant("Dieses Konto gehört zu keiner Behörde.")
    return membership.tenant


def has_role(user: AbstractBaseUser | AnonymousUser, role: Role | str) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.has_role(role)


def add_member(user, tenant: Tenant, roles: list[Role | str], unit: str = "") -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, defaults={"tenant": tenant, "roles": [str(r) for r in roles], "unit": unit}
    )
    return membership
