"""REST endpoints of the governance app (mounted under /api/governance/).

Public: ``GET register/{tenant}`` (published register, Algoritmeregister fields).
Session-authenticated: feature checks, oversight workflow, case export and
chain verification (the latter two for KI-Beauftragte, Revision, Datenschutz).
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import membership_of
from aktenkundig.core.models import Tenant
from aktenkundig.governance import audit, cases, oversight, policy, register
from aktenkundig.governance.models import OversightItem

router = Router(tags=["governance"])


def _tenant(request) -> Tenant:
    membership = membership_of(request.user)
    if membership is None:
        raise HttpError(403, "Dieses Konto gehört zu keiner Behörde.")
    return membership.tenant


def _require(request, *roles: Role) -> Tenant:
    tenant = _tenant(request)
    membership = membership_of(request.user)
    if not any(membership.has_role(role) for role in roles):
        raise HttpError(403, "Dafür fehlt Ihnen die Berechtigung.")
    return tenant


@router.get("/register/{tenant_slug}", auth=None, response=list[dict[str, Any]])
def public_register(request, tenant_slug: str):
    return register.export_json(get_object_or_404(Tenant, slug=tenant_slug))


class DecisionOut(Schema):
    allowed: bool
    reason: str
    code: str


@router.get("/features/{feature}", auth=django_auth, response=DecisionOut)
def feature_decision(request, feature: str, data_level: int | None = None):
    return policy.check_feature(request.user, _tenant(request), feature, data_level=data_level)


class SuggestionIn(Schema):
    feature: str
    suggestion: Any
    confidence: float | None = None
    evidence: list[Any] = []
    case_ref: str = ""
    subject: str = ""
    unit: str = ""
    model_version: str = ""


class AssessmentIn(Schema):
    assessment: str


class DecideIn(Schema):
    accept: bool
    reason: str
    final_value: Any = None
    time_spent_ms: int | None = None


def _item(request, pk: int) -> OversightItem:
    return get_object_or_404(OversightItem, pk=pk, tenant=_tenant(request))


def _errors(call):
    try:
        return call()
    except PermissionError as error:
        raise HttpError(403, str(error)) from None
    except (oversight.OversightError, ValueError) as error:
        raise HttpError(400, str(error)) from None


@router.post("/oversight/suggestions", auth=django_auth)
def create_suggestion(request, payload: SuggestionIn):
    tenant = _tenant(request)
    policy.ensure_feature(request, payload.feature, tenant=tenant)
    data = payload.dict()
    feature = data.pop("feature")
    item = _errors(lambda: oversight.propose(tenant, feature, **data))
    return {"id": item.pk, "decide_first": item.decide_first}


@router.get("/oversight/{pk}", auth=django_auth)
def show_suggestion(request, pk: int):
    item = _item(request, pk)
    policy.ensure_feature(request, item.feature, tenant=item.tenant)
    return _errors(lambda: oversight.presented(item, request.user))


@router.post("/oversight/{pk}/assessment", auth=django_auth)
def own_assessment(request, pk: int, payload: AssessmentIn):
    item = _item(request, pk)
    policy.ensure_feature(request, item.feature, tenant=item.tenant)
    _errors(lambda: oversight.record_own_assessment(item, request.user, payload.assessment))
    item.refresh_from_db()
    return oversight.presented(item, request.user)


@router.post("/oversight/{pk}/decision", auth=django_auth)
def decide(request, pk: int, payload: DecideIn):
    item = _item(request, pk)
    done = _errors(lambda: oversight.decide(item, request.user, **payload.dict()))
    return {"id": done.pk, "decision": done.decision, "second_review": done.second_review}


@router.get("/cases/{case_ref}", auth=django_auth)
def export_case(request, case_ref: str):
    tenant = _require(request, Role.AI_OFFICER, Role.AUDIT, Role.DATA_PROTECTION)
    return cases.export_case(tenant, case_ref)


@router.get("/audit/verify", auth=django_auth)
def verify(request):
    tenant = _require(request, Role.AI_OFFICER, Role.AUDIT)
    result = audit.verify_chain(tenant)
    return {
        "ok": result.ok, "records": result.records, "first_break": result.first_break,
        "problems": [{"seq": p.seq, "kind": p.kind, "message": p.message}
                     for p in result.problems],
    }
