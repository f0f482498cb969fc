"""The KI-Richtlinie as settings, and the one question other apps ask.

Public API (what the other apps call)
=====================================

``check_feature(user_or_none, tenant, feature, *, data_level=None, backend=None) -> Decision``
    May ``user_or_none`` use AI ``feature`` ("assistant", "citizen", "inbox",
    "forms") in ``tenant`` now, on data of ``data_level`` (an ``AccessLevel``)
    with model ``backend``? Combines, in this order: the kill switch, an
    approved and live KI-Register entry, the tenant's KI-Richtlinie (feature
    allowed, roles, data classes, model backends) and the AI-literacy gate.
    ``Decision.allowed`` is the answer, ``Decision.reason`` a German sentence for
    the user, ``Decision.code`` a stable machine-readable reason
    (``ok``, ``unknown_feature``, ``tenant``, ``killed``, ``not_registered``,
    ``policy``, ``login``, ``role``, ``data_level``, ``backend``, ``literacy``).
    When it is refused, the product falls back to manual work (no AI call).

``require_feature(feature, *, data_level=None)``
    Decorator for Django views: renders ``governance/feature_refused.html``
    with status 403 when refused. The tenant is the user's tenant.

``ensure_feature(request, feature, *, tenant=None, data_level=None, backend=None) -> None``
    For django-ninja endpoints: raises ``ninja.errors.HttpError(403, reason)``.

``feature_enabled(tenant, feature) -> Decision``
    The tenant-wide part only (kill switch, register, policy), for background
    work without a user.

``kill(tenant, feature, user, *, reason)`` / ``restore(tenant, feature, user)``
    Immediate per-feature switch (Administrator or KI-Beauftragte).

``get_policy(tenant, feature) -> FeaturePolicy`` and
``update_policy(tenant, feature, user, **changes) -> FeaturePolicy``
    Read and change the KI-Richtlinie (KI-Beauftragte only).

Related modules: ``governance.audit`` (``log_ai_interaction``,
``log_human_action``), ``governance.oversight`` (``propose``, ``decide``, ...),
``governance.register``, ``governance.literacy``, ``governance.risk``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import membership_of
from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.governance import audit, literacy, register
from aktenkundig.governance.features import FEATURES
from aktenkundig.governance.models import AuditContent, FeaturePolicy


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    code: str = "ok"

    def __bool__(self) -> bool:
        return self.allowed


def _refuse(code: str, reason: str) -> Decision:
    return Decision(False, reason, code)


def get_policy(tenant: Tenant, feature: str) -> FeaturePolicy:
    if feature not in FEATURES:
        raise ValueError(_("Unbekannte KI-Funktion „%(feature)s“.") % {"feature": feature})
    policy, _created = FeaturePolicy.objects.get_or_create(
        tenant=tenant, feature=feature, defaults=register.default_policy_values(feature)
    )
    return policy


def check_feature(
    user_or_none: Any,
    tenant: Tenant,
    feature: str,
    *,
    data_level: int | None = None,
    backend: str | None = None,
) -> Decision:
    """May this user use this AI feature now? See the module docstring."""
    spec = FEATURES.get(feature)
    if spec is None:
        return _refuse("unknown_feature",
                       _("Unbekannte KI-Funktion „%(feature)s“.") % {"feature": feature})
    user = user_or_none if getattr(user_or_none, "is_authenticated", False) else None
    membership = membership_of(user) if user is not None else None
    if user is not None and (membership is None or membership.tenant_id != tenant.pk):
        return _refuse("tenant", _("Ihr Konto gehört nicht zu dieser Behörde."))
    policy = get_policy(tenant, feature)
    decision = _tenant_level(tenant, spec, policy)
    if not decision:
        return decision
    if user is None:
        if spec.public:
            return _check_data(policy, spec.name, data_level, backend)
        return _refuse("login", _("Bitte melden Sie sich an, um die KI-Funktion zu nutzen."))
    if policy.allowed_roles and not any(membership.has_role(r) for r in policy.allowed_roles):
        return _refuse("role", _("Ihre Rolle darf %(name)s laut KI-Richtlinie nicht nutzen.")
                       % {"name": spec.name})
    decision = _check_data(policy, spec.name, data_level, backend)
    if not decision:
        return decision
    missing = literacy.missing_modules(user, tenant, policy.required_modules)
    if missing:
        titles = ", ".join(m.title for m in missing)
        return _refuse(
            "literacy",
            _("Für %(name)s fehlt Ihnen noch der KI-Führerschein: %(titles)s.")
            % {"name": spec.name, "titles": titles},
        )
    return Decision(True, _("%(name)s ist freigegeben.") % {"name": spec.name})


def feature_enabled(tenant: Tenant, feature: str) -> Decision:
    """The tenant-wide part of :func:`check_feature` (no user): for background work."""
    spec = FEATURES.get(feature)
    if spec is None:
        return _refuse("unknown_feature",
                       _("Unbekannte KI-Funktion „%(feature)s“.") % {"feature": feature})
    return _tenant_level(tenant, spec, get_policy(tenant, feature))


def _tenant_level(tenant: Tenant, spec: Any, policy: FeaturePolicy) -> Decision:
    if policy.killed:
        text = _("%(name)s ist zurzeit abgeschaltet. Bitte bearbeiten Sie den Vorgang "
                 "ohne KI.") % {"name": spec.name}
        if policy.killed_reason:
            text += " " + _("Grund: %(reason)s") % {"reason": policy.killed_reason}
        return _refuse("killed", text)
    if not register.feature_approved(tenant, spec.key):
        return _refuse(
            "not_registered",
            _("%(name)s ist nicht freigegeben: es fehlt ein genehmigter Eintrag im "
              "KI-Register. Bitte bearbeiten Sie den Vorgang ohne KI.") % {"name": spec.name},
        )
    if not policy.allowed:
        return _refuse("policy", _("%(name)s ist laut KI-Richtlinie nicht erlaubt.")
                       % {"name": spec.name})
    return Decision(True, _("%(name)s ist freigegeben.") % {"name": spec.name})


def _check_data(policy: FeaturePolicy, name: str, data_level: int | None,
                backend: str | None) -> Decision:
    if data_level is not None and int(data_level) > policy.max_data_level:
        level = AccessLevel(int(data_level)).label
        limit = AccessLevel(policy.max_data_level).label
        return _refuse(
            "data_level",
            _("%(name)s darf laut KI-Richtlinie keine Daten der Schutzstufe „%(level)s“ "
              "verarbeiten (höchstens „%(limit)s“).")
            % {"name": name, "level": level, "limit": limit},
        )
    if backend is not None and policy.allowed_backends and backend not in policy.allowed_backends:
        return _refuse(
            "backend", _("Das Modell-Backend „%(backend)s“ ist für %(name)s nicht erlaubt.")
            % {"backend": backend, "name": name}
        )
    return Decision(True, _("%(name)s ist freigegeben.") % {"name": name})


# --------------------------------------------------------------------------- switches


def can_kill(user: Any, tenant: Tenant) -> bool:
    membership = membership_of(user)
    return (
        membership is not None
        and membership.tenant_id == tenant.pk
        and (membership.has_role(Role.ADMINISTRATOR) or membership.has_role(Role.AI_OFFICER))
    )


@transaction.atomic
def kill(tenant: Tenant, feature: str, user: Any, *, reason: str = "") -> FeaturePolicy:
    """Switch ``feature`` off for ``tenant`` at once (takes effect on the next request).

    A reason is required: it is what the refused staff and citizens read, and what the
    audit log keeps as the justification of the switch."""
    if not can_kill(user, tenant):
        raise PermissionError(_("Nur Administration oder KI-Beauftragte dürfen abschalten."))
    if not (reason or "").strip():
        raise ValueError(_("Bitte geben Sie einen Grund für die Abschaltung an."))
    policy = get_policy(tenant, feature)
    policy.killed = True
    policy.killed_reason = reason.strip()
    policy.killed_by = user
    policy.killed_at = timezone.now()
    policy.save()
    audit.log_governance_event(tenant, user=user, action="feature_killed", feature=feature,
                               details={"reason": policy.killed_reason})
    return policy


@transaction.atomic
def restore(tenant: Tenant, feature: str, user: Any) -> FeaturePolicy:
    if not can_kill(user, tenant):
        raise PermissionError(_("Nur Administration oder KI-Beauftragte dürfen einschalten."))
    policy = get_policy(tenant, feature)
    policy.killed = False
    policy.save()
    audit.log_governance_event(tenant, user=user, action="feature_restored", feature=feature)
    return policy


POLICY_FIELDS = frozenset({
    "allowed", "allowed_roles", "max_data_level", "allowed_backends", "required_modules",
    "decide_first", "second_review_share", "override_floor", "shift_threshold", "audit_content",
})


@transaction.atomic
def update_policy(tenant: Tenant, feature: str, user: Any, **changes: Any) -> FeaturePolicy:
    """Change the KI-Richtlinie for one feature (KI-Beauftragte only; audited)."""
    membership = membership_of(user)
    if membership is None or membership.tenant_id != tenant.pk or not membership.has_role(
        Role.AI_OFFICER
    ):
        raise PermissionError(_("Nur KI-Beauftragte dürfen die KI-Richtlinie ändern."))
    unknown = set(changes) - POLICY_FIELDS
    if unknown:
        raise ValueError(_("Unbekannte Einstellungen: %(names)s")
                         % {"names": ", ".join(sorted(unknown))})
    if "allowed_roles" in changes and set(changes["allowed_roles"]) - set(Role.values):
        raise ValueError(_("Unbekannte Rolle in der KI-Richtlinie."))
    if "required_modules" in changes:
        known = {m.slug for m in literacy.modules()}
        if set(changes["required_modules"]) - known:
            raise ValueError(_("Unbekanntes Schulungsmodul in der KI-Richtlinie."))
    for share in ("second_review_share", "override_floor", "shift_threshold"):
        if share in changes and not 0 <= float(changes[share]) <= 1:
            raise ValueError(_("Anteile müssen zwischen 0 und 1 liegen."))
    if changes.get("audit_content") not in (None, "", *AuditContent.values):
        raise ValueError(_("Unbekannte Protokollierungsart."))
    policy = get_policy(tenant, feature)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.save()
    audit.log_governance_event(tenant, user=user, action="policy_changed", feature=feature,
                               details={k: changes[k] for k in sorted(changes)})
    return policy


# --------------------------------------------------------------------------- gates


def require_feature(feature: str, *, data_level: int | None = None) -> Callable:
    """View decorator: refuse with a 403 page explaining the manual fallback."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_of(request.user)
            tenant = getattr(request, "tenant", None) or (membership and membership.tenant)
            if tenant is None:
                decision = _refuse("login", _("Bitte melden Sie sich an."))
            else:
                decision = check_feature(request.user, tenant, feature, data_level=data_level)
            if not decision:
                return render(
                    request, "governance/feature_refused.html",
                    {"decision": decision, "feature": FEATURES.get(feature)}, status=403,
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def ensure_feature(
    request: HttpRequest,
    feature: str,
    *,
    tenant: Tenant | None = None,
    data_level: int | None = None,
    backend: str | None = None,
) -> None:
    """For API endpoints: raise HttpError(403) with the German reason when refused."""
    from ninja.errors import HttpError

    if tenant is None:
        membership = membership_of(request.user)
        if membership is None:
            raise HttpError(403, _("Bitte melden Sie sich an."))
        tenant = membership.tenant
    decision = check_feature(request.user, tenant, feature, data_level=data_level,
                             backend=backend)
    if not decision:
        raise HttpError(403, decision.reason)
