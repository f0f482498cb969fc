"""REST endpoints of the language services (mounted under /api/language/).

``POST /check`` (offline checker, no gate), ``POST /simplify`` and
``POST /translate`` (governance gate first; refused: ``403`` with the German
reason in ``detail``). Model output carries ``ai_generated``; translations the
note "maschinell übersetzt". Same shapes as the CLI's ``--json``.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from aktenkundig.accounts.api import api_auth
from aktenkundig.accounts.services import membership_of
from aktenkundig.core.models import AccessLevel
from aktenkundig.language import services
from aktenkundig.llm.gateway import LLMError, LLMNotPermitted

router = Router(tags=["language"], auth=api_auth)


class CheckIn(Schema):
    text: str = Field(max_length=200_000)


class SimplifyIn(Schema):
    text: str = Field(max_length=services.MAX_INPUT_CHARS)
    level: str = "einfach"
    data_level: int = AccessLevel.INTERN


class TranslateIn(Schema):
    text: str = Field(max_length=10 * services.MAX_INPUT_CHARS)
    target: str
    source: str = "de"
    format: str = "text"
    data_level: int = AccessLevel.OFFEN


def _scope(request, data_level: int | None):
    membership = membership_of(request.user)
    if membership is None:
        raise HttpError(403, "Dieses Konto gehört zu keiner Behörde.")
    if data_level is not None and data_level > membership.clearance:
        raise HttpError(403, "Die Schutzstufe liegt über Ihrer Freigabe.")
    if data_level is not None:
        decision = services.gate(request.user, membership.tenant, data_level)
        if not decision:
            raise HttpError(403, decision.reason)
    return membership.tenant


@router.post("/check", summary="Comprehensibility check (offline, deterministic)")
def check(request, payload: CheckIn) -> dict[str, Any]:
    tenant = _scope(request, None)
    try:
        return services.check_text(payload.text, tenant).as_json()
    except ValueError as error:
        raise HttpError(400, str(error)) from error


@router.post("/simplify", summary="Einfache/Leichte Sprache with fact check")
def simplify(request, payload: SimplifyIn) -> dict[str, Any]:
    tenant = _scope(request, payload.data_level)
    try:
        result = services.simplify(payload.text, tenant=tenant, level=payload.level,
                                   user=request.user, data_level=payload.data_level,
                                   channel="api")
    except ValueError as error:
        raise HttpError(400, str(error)) from error
    except LLMNotPermitted as error:
        raise HttpError(403, str(error)) from error
    except LLMError as error:
        raise HttpError(503, str(error)) from error
    return {**result.as_json(), "ai_generated": True}


@router.post("/translate", summary="Translate text, HTML or Markdown (glossary, memory)")
def translate(request, payload: TranslateIn) -> dict[str, Any]:
    tenant = _scope(request, payload.data_level)
    try:
        result = services.translate(payload.text, target=payload.target, source=payload.source,
                                    tenant=tenant, fmt=payload.format, user=request.user,
                                    data_level=payload.data_level, channel="api")
    except ValueError as error:
        raise HttpError(400, str(error)) from error
    except LLMNotPermitted as error:
        raise HttpError(403, str(error)) from error
    except LLMError as error:
        raise HttpError(503, str(error)) from error
    return {**result.as_json(), "ai_generated": True}


class SummaryIn(Schema):
    document_id: int
    sentences: int = Field(default=4, ge=1, le=12)
    style: str = "sachlich"


@router.post("/summarize", summary="Summary of a document, every sentence with its source")
def summarize(request, payload: SummaryIn) -> dict[str, Any]:
    from aktenkundig.documents.models import Document
    from aktenkundig.language.summary import summarize as summarize_document

    membership = membership_of(request.user)
    if membership is None:
        raise HttpError(403, "Dieses Konto gehört zu keiner Behörde.")
    document = Document.objects.filter(tenant=membership.tenant,
                                       pk=payload.document_id).first()
    if document is None:
        raise HttpError(404, "Dokument nicht gefunden.")
    _scope(request, document.effective_access_level)
    try:
        result = summarize_document(document, user=request.user, sentences=payload.sentences,
                                    style=payload.style, channel="api")
    except PermissionError:
        raise HttpError(404, "Dokument nicht gefunden.") from None
    except ValueError as error:
        raise HttpError(400, str(error)) from error
    except LLMNotPermitted as error:
        raise HttpError(403, str(error)) from error
    except LLMError as error:
        raise HttpError(503, str(error)) from error
    return result.as_json()
