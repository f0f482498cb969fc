"""REST endpoints of the citizen app (mounted under /api/ by aktenkundig.api).

``POST /api/citizen/<tenant>/ask`` is the public chatbot as JSON, for the authority's
own website or CMS: the same service as the chat page (``services.ask``), so the
same public-only scope, moderation, rate limits (one budget per client with the
page), hand-over offer and audit record. No login; like the page it sets no cookie.
A conversation continues when the returned ``session`` is sent back.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Field, Router, Schema

from aktenkundig.citizen import services
from aktenkundig.citizen.ratelimit import hit
from aktenkundig.citizen.views import public_tenant, rate_limited

router = Router(tags=["citizen"])


class AskIn(Schema):
    question: str = Field(description="the citizen's question, in any supported language")
    session: str = Field(
        default="", max_length=100,
        description="from an earlier answer: continue that conversation",
    )  # fmt: skip


class CitationOut(Schema):
    title: str
    section: str
    quote: str
    url: str = Field(description="the original document (public collections only)")


class AnswerOut(Schema):
    answer: str
    language: str = Field(description="language of the question (ISO 639-1)")
    refused: bool = Field(description="no public source answers it (or not a question)")
    handover_offered: bool = Field(description="offer the citizen a hand-over to staff")
    citations: list[CitationOut]
    disclosure: str = Field(description="show this: the citizen talks to an AI (AI Act Art. 50)")
    ai_generated: bool = Field(description="text written by a language model")
    session: str = Field(description="send back to continue the conversation")


class ErrorOut(Schema):
    detail: str


def _citations(request: HttpRequest, tenant, message) -> list[dict]:
    out = []
    for c in message.citations:
        url = reverse("citizen:document", args=[tenant.slug, c["document_id"]])
        if c.get("page"):
            url += f"#page={c['page']}"
        out.append({
            "title": c.get("document", ""), "section": c.get("section", ""),
            "quote": c.get("quote", ""), "url": request.build_absolute_uri(url),
        })  # fmt: skip
    return out


def _error(status: int, detail: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _cors(request: HttpRequest, tenant, response):
    """Browsers on the tenant's own websites (the origins allowed to embed the chat)
    may call the API; no credentials are involved, so nothing else is opened up."""
    origin = request.headers.get("Origin", "").rstrip("/")
    response["Vary"] = "Origin"
    if origin and origin in services.channel_settings(tenant).origins():
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "3600"
    return response


@router.api_operation(["OPTIONS"], "/{tenant_slug}/ask", include_in_schema=False)
def ask_preflight(request: HttpRequest, tenant_slug: str):
    tenant = public_tenant(tenant_slug)
    return _cors(request, tenant, HttpResponse(status=204))


@router.post(
    "/{tenant_slug}/ask",
    response={200: AnswerOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Ask the public chatbot (citizens, no login)",
)
def ask(request: HttpRequest, tenant_slug: str, payload: AskIn):
    tenant = public_tenant(tenant_slug)
    return _cors(request, tenant, _ask(request, tenant, payload))


def _ask(request: HttpRequest, tenant, payload: AskIn):
    decision = services.availability(tenant)
    if not decision:
        return _error(503, services.unavailable_text(tenant))
    session = services.find_session(tenant, payload.session) if payload.session else None
    token = payload.session if session else ""
    limited = rate_limited(request, tenant, token)
    if not limited.allowed:
        return _error(429, "Bitte warten Sie einen Moment.",
                      **{"Retry-After": str(limited.retry_after)})
    if session is None:
        session, token = services.start_session(tenant)
        hit(services.session_limit(), f"{tenant.pk}:{token}")
    try:
        turn = services.ask(session, payload.question)
    except services.CitizenInputError as error:
        return _error(400, str(error))
    except services.CitizenUnavailable:
        return _error(503, services.unavailable_text(tenant))
    answer = turn.answer
    body = {
        "answer": answer.text,
        "language": turn.question.language,
        "refused": answer.outcome != services.Outcome.ANSWERED,
        "handover_offered": turn.handover_offered,
        "citations": _citations(request, tenant, answer),
        "disclosure": services.disclosure(tenant),
        "ai_generated": answer.generated,
        "session": token,
    }
    response = JsonResponse(body)
    response["X-AI-Generated"] = "true"
    response["Cache-Control"] = "no-store"
    return response
