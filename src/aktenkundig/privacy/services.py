"""The privacy gate every language-model call passes through.

    prepared = protect(messages, tenant=t, scope="conversation:7", data_level=level)
    reply = send(prepared.backend, prepared.messages)       # placeholders only
    answer = reveal(reply, prepared, user=request.user)     # real values, logged

:func:`protect` routes by data level (or refuses), then pseudonymises (or
redacts) the messages according to the tenant's policy; :func:`reveal` and
:func:`reidentify` put real values back only for roles allowed to see them, and
log every re-identification as a :class:`PrivacyEvent` (without the values).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import membership_of
from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.privacy import pseudonymize as pseudo
from aktenkundig.privacy.models import PrivacyEvent, PrivacyEventKind, PrivacyMode, PrivacyPolicy
from aktenkundig.privacy.routing import Backend, RoutingRefused, configured_backends, route

log = logging.getLogger(__name__)

DEFAULT_REIDENTIFY_ROLES = (
    Role.STAFF,
    Role.SUBJECT_ADMIN,
    Role.DATA_PROTECTION,
    Role.ADMINISTRATOR,
)


class ReidentificationDenied(PermissionError):
    """The user may not see the real values (message is user-facing)."""


def policy_for(tenant: Tenant) -> PrivacyPolicy:
    policy = PrivacyPolicy.objects.filter(tenant=tenant).first()
    return policy or PrivacyPolicy(tenant=tenant)


def effective_mode(policy: PrivacyPolicy, data_level: int, backend: Backend) -> str:
    """'off' holds only for offen data on an on-prem backend; else pseudonymise."""
    if policy.mode == PrivacyMode.OFF and (data_level > AccessLevel.OFFEN or not backend.on_prem):
        return PrivacyMode.PSEUDONYMISE
    return policy.mode


def _event(tenant: Tenant, kind: str, user=None, scope: str = "", backend: str = "", **detail):
    PrivacyEvent.objects.create(
        tenant=tenant,
        user=user if getattr(user, "is_authenticated", False) else None,
        kind=kind,
        scope=scope,
        backend=backend,
        detail=detail,
    )


@dataclass
class Prepared:
    """A language-model request that may leave the process."""

    tenant: Tenant
    scope: str
    backend: Backend
    mode: str
    data_level: int
    messages: list[dict] = field(default_factory=list)
    replaced: dict[str, int] = field(default_factory=dict)


def choose_backend(
    tenant: Tenant,
    data_level: AccessLevel | int,
    backends: Sequence[Backend] | None = None,
    scope: str = "",
    user=None,
) -> Backend:
    """:func:`route`, with the refusal logged."""
    try:
        return route(data_level, configured_backends() if backends is None else backends)
    except RoutingRefused:
        _event(tenant, PrivacyEventKind.ROUTING_REFUSED, user, scope, level=int(data_level))
        raise


def protect(
    messages: Sequence[dict],
    *,
    tenant: Tenant,
    scope: str,
    data_level: AccessLevel | int,
    backends: Sequence[Backend] | None = None,
    user=None,
) -> Prepared:
    """Route and pseudonymise chat ``messages`` ({"role", "content"}) before a call."""
    level = int(data_level)
    backend = choose_backend(tenant, level, backends, scope, user)
    mode = effective_mode(policy_for(tenant), level, backend)
    contents = [str(m.get("content") or "") for m in messages]
    replaced: dict[str, int] = {}
    if mode == PrivacyMode.PSEUDONYMISE:
        results = pseudo.pseudonymize_texts(contents, tenant, scope)
    elif mode == PrivacyMode.REDACT:
        results = [pseudo.redact(text, tenant) for text in contents]
    else:
        results = [pseudo.Result(text, [], {}) for text in contents]
    for result in results:
        for entity_type, count in result.counts.items():
            replaced[entity_type] = replaced.get(entity_type, 0) + count
    safe = [
        {**message, "content": result.text}
        for message, result in zip(messages, results, strict=True)
    ]
    _event(
        tenant,
        PrivacyEventKind.ROUTED,
        user,
        scope,
        backend.name,
        level=level,
        mode=str(mode),
        replaced=replaced,
    )
    return Prepared(tenant, scope, backend, str(mode), level, safe, replaced)


def may_reidentify(user, tenant: Tenant) -> bool:
    membership = membership_of(user) if user is not None else None
    if membership is None or membership.tenant_id != tenant.pk:
        return False
    roles = policy_for(tenant).reidentify_roles or [str(r) for r in DEFAULT_REIDENTIFY_ROLES]
    return any(membership.has_role(role) for role in roles)


def reidentify(text: str, tenant: Tenant, scope: str, user, purpose: str = "") -> str:
    """Real values for the placeholders of ``scope`` in ``text``, for ``user``'s view.

    Raises :class:`ReidentificationDenied` for users of other tenants or without an
    allowed role. Both outcomes are logged.
    """
    if not may_reidentify(user, tenant):
        _event(tenant, PrivacyEventKind.REIDENTIFY_DENIED, user, scope, purpose=purpose)
        raise ReidentificationDenied(
            "Sie dürfen die Klarnamen zu diesem Vorgang nicht sehen; angezeigt werden Platzhalter."
        )
    restored, count = pseudo.restore(text, pseudo.load_mapping(tenant, scope))
    if count:
        _event(
            tenant, PrivacyEventKind.REIDENTIFIED, user, scope, placeholders=count, purpose=purpose
        )
    return restored


def reveal(text: str, prepared: Prepared, user) -> str:
    """The model's output for ``user``: re-identified where allowed, else unchanged."""
    if prepared.mode != PrivacyMode.PSEUDONYMISE:
        return text
    try:
        return reidentify(text, prepared.tenant, prepared.scope, user, purpose="llm-answer")
    except ReidentificationDenied:
        return text
