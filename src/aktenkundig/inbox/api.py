"""REST endpoints of the Posteingang (mounted under /api/inbox/).

A personal token (or the session) identifies the person; everything is filtered by
their tenant, anything of another tenant is a 404. Decisions go through the same
service as the web queue (governance.oversight, audit).
"""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from aktenkundig.accounts.api import api_auth
from aktenkundig.accounts.services import membership_of
from aktenkundig.inbox import services
from aktenkundig.inbox.consumers.upload import ApiConsumer
from aktenkundig.inbox.models import Item

router = Router(tags=["inbox"], auth=api_auth)


class Candidate(Schema):
    label: str
    probability: float


class ItemOut(Schema):
    id: int
    received_at: datetime
    channel: str
    status: str
    title: str
    error: str
    suggested_unit: str | None
    probability: float | None
    abstained: bool
    cold_start: bool
    candidates: list[Candidate]
    unit: str | None
    model_version: str | None


class DecisionIn(Schema):
    unit: str
    type: str = ""
    reason: str = ""


class ClassifyIn(Schema):
    texts: list[str]


class SuggestionOut(Schema):
    label: str | None
    probability: float
    abstained: bool
    candidates: list[Candidate]


def _tenant(request):
    membership = membership_of(request.user)
    if membership is None:
        raise HttpError(403, "Kein Mandant.")
    return membership.tenant


def _out(item: Item) -> dict:
    return {
        "id": item.pk, "received_at": item.received_at, "channel": item.channel,
        "status": item.status, "title": item.title, "error": item.error,
        "suggested_unit": item.suggested_unit.code if item.suggested_unit else None,
        "probability": item.unit_probability, "abstained": item.abstained,
        "cold_start": item.cold_start, "candidates": item.candidates,
        "unit": item.unit.code if item.unit else None,
        "model_version": item.model_version.label if item.model_version else None,
    }


@router.get("/items", response=list[ItemOut], summary="Waiting items, oldest first")
def list_items(request, unit: str = "", abstained: bool | None = None, limit: int = 100):
    items = services.queue(_tenant(request), unit=unit, abstained=abstained)
    limit = max(1, min(limit, 500))
    return [_out(i) for i in items.select_related("unit", "model_version")[:limit]]


@router.post("/items", response={201: ItemOut}, summary="Hand in one letter (PDF, image, e-mail)")
def create_item(request, file: File[UploadedFile]):
    try:
        item = ApiConsumer(_tenant(request), user=request.user).consume_upload(file)
    except services.InboxError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, _out(item))


@router.get("/items/{item_id}", response=ItemOut)
def get_item(request, item_id: int):
    return _out(get_object_or_404(Item, tenant=_tenant(request), pk=item_id))


@router.post("/items/{item_id}/decision", response=ItemOut,
             summary="Confirm or reassign (a reason only for reassigning)")
def decide(request, item_id: int, payload: DecisionIn):
    item = get_object_or_404(Item, tenant=_tenant(request), pk=item_id)
    try:
        item = services.decide(item, request.user, unit_code=payload.unit,
                               type_name=payload.type, reason=payload.reason)
    except services.InboxError as error:
        raise HttpError(422, str(error)) from None
    except PermissionError as error:
        raise HttpError(403, str(error)) from None
    return _out(item)


@router.post("/classify", response=list[SuggestionOut],
             summary="Suggestions for texts (nothing stored)")
def classify(request, payload: ClassifyIn):
    if len(payload.texts) > 500:
        raise HttpError(422, "Höchstens 500 Texte je Anfrage.")
    tenant = _tenant(request)
    from aktenkundig.governance.policy import check_feature

    allowed = check_feature(request.user, tenant, services.FEATURE)
    if not allowed:
        raise HttpError(403, allowed.reason)
    suggestions, _model = services.classify(tenant, payload.texts)
    return [s.as_json() for s in suggestions]
