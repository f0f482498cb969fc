"""Single sign-on through OpenID Connect (e.g. Keycloak), with IdP groups mapped to roles.

Active only when AKTENKUNDIG_OIDC_ISSUER and AKTENKUNDIG_OIDC_CLIENT_ID are set.
Roles are re-derived from the IdP's groups at every login, so that removing a
person from a group in the IdP takes their role away here too.
"""

from __future__ import annotations

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import add_member, membership_of
from aktenkundig.core.services import get_tenant


def parse_role_map(text: str) -> dict[str, str]:
    """'ki-team=ki_beauftragte, it=administrator' -> {'ki-team': 'ki_beauftragte', ...}."""
    valid = {role.value for role in Role}
    mapping: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        group, sep, role = item.partition("=")
        role = role.strip().lower()
        if not sep or role not in valid:
            raise ValueError(
                f"AKTENKUNDIG_OIDC_ROLE_MAP: {item.strip()!r} ist keine gültige Zuordnung "
                f"(Gruppe=Rolle, Rollen: {', '.join(sorted(valid))})"
            )
        mapping[group.strip().lstrip("/")] = role
    return mapping


def roles_for_groups(groups: list[str], role_map: dict[str, str]) -> list[str]:
    """Roles for a user's IdP groups; everyone signed in is at least Beschäftigte."""
    # Keycloak sends group paths ("/ki-team") unless configured otherwise.
    roles = {role_map[g.lstrip("/")] for g in groups if g.lstrip("/") in role_map}
    roles.add(Role.STAFF.value)
    return sorted(roles)


class RoleMappingOIDCBackend(OIDCAuthenticationBackend):
    def _apply_claims(self, user, claims: dict):
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        if isinstance(groups, str):
            groups = [groups]
        roles = roles_for_groups(list(groups), parse_role_map(settings.OIDC_ROLE_MAP))
        existing = membership_of(user)
        tenant = existing.tenant if existing else get_tenant(settings.OIDC_TENANT)
        add_member(user, tenant, roles, unit=existing.unit if existing else "")
        return user

    def create_user(self, claims):
        user = super().create_user(claims)
        user.first_name = claims.get("given_name", "")[:150]
        user.last_name = claims.get("family_name", "")[:150]
        user.save(update_fields=["first_name", "last_name"])
        return self._apply_claims(user, claims)

    def update_user(self, user, claims):
        return self._apply_claims(super().update_user(user, claims), claims)
