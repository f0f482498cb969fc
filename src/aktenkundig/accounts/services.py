"""Tenant, role and collection-right lookups every app uses for permission checks.

The rules, in one place:

* a user belongs to exactly one tenant and sees nothing of any other;
* a user reads a collection of their tenant when its access level is within
  their clearance and it is either open to all units or granted to their unit;
* Administrators manage every collection of their tenant, Fachadmins those that
  are granted to their unit (or open to all units) -- in both cases only up to
  their clearance: managing a collection (uploading into it, changing its level,
  its public flag, its units) exposes or changes its contents, so a role never
  outranks the clearance. A level change needs clearance for the higher of the
  old and the new level (:func:`may_set_level`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from aktenkundig.accounts.models import ApiToken, CollectionUnit, Membership, Role
from aktenkundig.core.models import AccessLevel, Collection, Tenant

TOKEN_PREFIX = "akt_"  # noqa: S105 - a marker, not a secret


class NoTenant(PermissionError):
    """The user has no tenant membership and may see nothing."""


def membership_of(user: AbstractBaseUser | AnonymousUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_aktenkundig_membership", None)
    if cached is not None:
        return cached
    membership = Membership.objects.select_related("tenant").filter(user=user).first()
    if membership is not None:
        # One lookup per request instead of one per permission check.
        user._aktenkundig_membership = membership  # type: ignore[union-attr]
    return membership


def tenant_of(user: AbstractBaseUser | AnonymousUser) -> Tenant:
    """The user's tenant; raises NoTenant for users without membership."""
    membership = membership_of(user)
    if membership is None:
        raise NoTenant("Dieses Konto gehört zu keiner Behörde.")
    return membership.tenant


def has_role(user: AbstractBaseUser | AnonymousUser, role: Role | str) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.has_role(role)


def add_member(
    user,
    tenant: Tenant,
    roles: list[Role | str],
    unit: str = "",
    clearance: int | None = None,
) -> Membership:
    defaults: dict = {"tenant": tenant, "roles": [str(r) for r in roles], "unit": unit}
    if clearance is not None:
        defaults["clearance"] = int(clearance)
    membership, _ = Membership.objects.update_or_create(user=user, defaults=defaults)
    if hasattr(user, "_aktenkundig_membership"):
        del user._aktenkundig_membership
    return membership


# --- collection rights -----------------------------------------------------------


def _unit_filter(membership: Membership) -> Q:
    restricted = Exists(CollectionUnit.objects.filter(collection=OuterRef("pk")))
    granted = Exists(
        CollectionUnit.objects.filter(collection=OuterRef("pk"), unit=membership.unit)
    )
    return ~Q(restricted) | Q(granted)


def readable_collections(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Collection]:
    """Collections whose documents ``user`` may search, read and ask about."""
    membership = membership_of(user)
    if membership is None:
        return Collection.objects.none()
    collections = Collection.objects.filter(
        tenant=membership.tenant, access_level__lte=membership.clearance
    )
    if not membership.has_role(Role.ADMINISTRATOR):
        collections = collections.filter(_unit_filter(membership))
    return collections


def can_read_collection(user: AbstractBaseUser | AnonymousUser, collection: Collection) -> bool:
    return readable_collections(user).filter(pk=collection.pk).exists()


def manageable_collections(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Collection]:
    """Collections ``user`` may upload to, delete from, re-index and configure."""
    membership = membership_of(user)
    if membership is None:
        return Collection.objects.none()
    # Clearance first: a Fachadmin cleared for "intern" who could manage a VS-NfD
    # collection could reclassify it as "offen" and publish it (issue #10, 1).
    collections = Collection.objects.filter(
        tenant=membership.tenant, access_level__lte=membership.clearance
    )
    if membership.has_role(Role.ADMINISTRATOR):
        return collections
    if membership.has_role(Role.SUBJECT_ADMIN):
        return collections.filter(_unit_filter(membership))
    return Collection.objects.none()


def can_manage_collection(user: AbstractBaseUser | AnonymousUser, collection: Collection) -> bool:
    return manageable_collections(user).filter(pk=collection.pk).exists()


def may_set_level(user: AbstractBaseUser | AnonymousUser, old: int | None, new: int) -> bool:
    """Whether ``user`` may move a collection from level ``old`` (None: new
    collection) to ``new``: clearance for the higher of the two is required, so
    nobody can declassify what they may not read nor classify above themselves."""
    membership = membership_of(user)
    if membership is None:
        return False
    return max(new, old if old is not None else new) <= membership.clearance


def can_manage_documents(user: AbstractBaseUser | AnonymousUser) -> bool:
    return manageable_collections(user).exists()


def can_see_feedback(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Feedback shows where the knowledge base has gaps: for those who fix them."""
    return any(
        has_role(user, role) for role in (Role.SUBJECT_ADMIN, Role.AI_OFFICER, Role.ADMINISTRATOR)
    )


# --- API tokens --------------------------------------------------------------------


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(user, name: str, *, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``. The plain token is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API",
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=_hash(raw),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return token, raw


def user_for_token(raw: str):
    """The active user owning token ``raw``, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Coarse on purpose: no write per API call.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_api_token(user, token_id: int) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


# --- scripted set-up (``aktenkundig user add``, ``token create``, the demo) ------------


class InvalidAccount(ValueError):
    """A user or token cannot be created as asked (message is user-facing, German)."""


def role_names() -> str:
    """The roles as an operator may write them: "beschaeftigte (Beschäftigte), ..."."""
    return ", ".join(f"{role.value} ({role.label})" for role in Role)


def parse_role(text: str) -> Role:
    """A role from its key or its German name, in any case: "ki_beauftragte",
    "KI-Beauftragte" and "ki-beauftragte" are the same role."""
    wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
    for role in Role:
        if wanted in (role.value, str(role.label).lower().replace("-", "_").replace(" ", "_")):
            return role
    raise InvalidAccount(f"Die Rolle „{text}“ gibt es nicht. Möglich sind: {role_names()}.")


def parse_clearance(text: str) -> int:
    try:
        return int(AccessLevel.parse(text))
    except ValueError:
        raise InvalidAccount(
            f"Die Schutzstufe „{text}“ gibt es nicht. Möglich sind: offen, intern, "
            "vertraulich, vs-nfd."
        ) from None


def generate_password() -> str:
    """A random password of 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def create_user(
    username: str,
    tenant: Tenant,
    roles: list[Role | str],
    *,
    password: str,
    clearance: int | None = None,
    unit: str = "",
):
    """A new person of ``tenant`` with ``roles``. The password must pass the
    installation's password rules; their (German) messages are raised as
    :class:`InvalidAccount`."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    model = get_user_model()
    username = username.strip()
    if not username:
        raise InvalidAccount("Bitte geben Sie einen Anmeldenamen an.")
    try:
        model.username_validator(username)
    except ValidationError:
        raise InvalidAccount(
            f"Der Anmeldename „{username}“ ist ungültig: erlaubt sind Buchstaben, Ziffern "
            "und @ . + - _ (höchstens 150 Zeichen)."
        ) from None
    if len(username) > 150:
        raise InvalidAccount("Der Anmeldename ist zu lang (höchstens 150 Zeichen).")
    if model.objects.filter(username=username).exists():
        raise InvalidAccount(f"Den Benutzer „{username}“ gibt es schon.")
    if not roles:
        raise InvalidAccount(f"Bitte geben Sie mit --role eine Rolle an: {role_names()}.")
    user = model(username=username)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidAccount("Das Passwort ist zu schwach: " + " ".join(error.messages)) from None
    user.set_password(password)
    user.save()
    add_member(user, tenant, roles, unit=unit.strip()[:200], clearance=clearance)
    return user


def get_member(username: str):
    """The user called ``username``, who must belong to a tenant."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username.strip()).first()
    if user is None:
        raise InvalidAccount(f"Den Benutzer „{username}“ gibt es nicht.")
    if membership_of(user) is None:
        raise InvalidAccount(
            f"Der Benutzer „{username}“ gehört zu keiner Behörde; ein API-Token hätte "
            "keine Rechte. Legen Sie ihn mit „aktenkundig user add“ an."
        )
    if not user.is_active:
        raise InvalidAccount(f"Der Benutzer „{username}“ ist gesperrt.")
    return user


DEMO_ROLES = (Role.STAFF, Role.SUBJECT_ADMIN, Role.AI_OFFICER)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    token: str


def ensure_demo_user(tenant: Tenant, state_file: Path, username: str = "demo") -> DemoLogin:
    """The demo login of ``aktenkundig demo --web`` (Beschäftigte, Fachadmin and
    KI-Beauftragte) with an API token.

    Password and token are kept in ``state_file`` (mode 0600, in the data
    directory) and reused on the next start as long as they still work: setting a
    new password on every start would print a different login each time and, as
    Django ties sessions to the password hash, sign out every open browser. Only a
    password or token that no longer works (changed, revoked, file lost) is replaced.
    """
    import json

    from django.contrib.auth import get_user_model

    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
        if not isinstance(state, dict):
            state = {}
    except (OSError, ValueError):
        state = {}
    user, _created = get_user_model().objects.get_or_create(username=username)
    password = state.get("password")
    changed = False
    if not (isinstance(password, str) and password and user.check_password(password)):
        password = generate_password()
        user.set_password(password)
        changed = True
    if not user.is_active:
        user.is_active = True
        changed = True
    if changed:
        user.save()
    add_member(user, tenant, list(DEMO_ROLES), unit="Demo")
    token = state.get("token")
    owner = user_for_token(token) if isinstance(token, str) else None
    if owner is None or owner.pk != user.pk:
        _token, token = create_api_token(user, "Demo")
    if state != {"password": password, "token": token}:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.touch(mode=0o600)
        state_file.chmod(0o600)
        state_file.write_text(json.dumps({"password": password, "token": token}),
                              encoding="utf-8")
    return DemoLogin(username, password, token)
