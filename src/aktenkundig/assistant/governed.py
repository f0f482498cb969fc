"""The governance conditions of the staff assistant (issue 6), in one place.

* :func:`gate` before any AI work for a person (web page, stream, REST API):
  kill switch, approved KI-Register entry, KI-Richtlinie (roles, data level of
  the collections searched) and the KI-Führerschein, via
  ``governance.policy.check_feature``. Refused: no retrieval, no LLM call.
* :func:`record_answer` after every answer (web, API and the ``ask`` command):
  one record in the tenant's tamper-evident audit chain.

The operator commands ``ask`` and ``demo`` are audited but not gated: they run
with shell access to the installation (evaluation scripts run them on a fresh
data directory), where the register cannot protect anything.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Max, QuerySet

from aktenkundig.assistant.prompt import PROMPT_VERSION
from aktenkundig.core.models import AccessLevel, Collection, Tenant
from aktenkundig.governance import audit
from aktenkundig.governance.models import AuditContent
from aktenkundig.governance.policy import Decision, check_feature

FEATURE = "assistant"


def data_level(collections: QuerySet[Collection] | Iterable[Collection]) -> int:
    """The highest effective access level of anything in ``collections``
    (a document may be classified above its collection)."""
    if not isinstance(collections, QuerySet):
        collections = Collection.objects.filter(pk__in=[c.pk for c in collections])
    levels = collections.aggregate(
        collection=Max("access_level"), document=Max("documents__access_level")
    )
    return max((v for v in levels.values() if v is not None), default=AccessLevel.OFFEN)


def gate(user: Any, tenant: Tenant, collections: QuerySet[Collection] | None = None
         ) -> Decision:
    """May ``user`` ask the assistant over ``collections`` now? (None: page access only.)"""
    level = None if collections is None else data_level(collections)
    return check_feature(user, tenant, FEATURE, data_level=level)


def record_answer(
    tenant: Tenant,
    answer: Any,
    *,
    latency_ms: float,
    user: Any = None,
    channel: str,
    case_ref: str = "",
) -> audit.Appended:
    """Audit one answer (``assistant.services.Answer``).

    Clear-text personal data never reaches the log: with the KI-Richtlinie's
    default 'hash' only SHA-256 digests of question and answer are kept (an
    auditor holding the text can check it); with 'pseudonymised' both texts are
    redacted by the privacy app first (names, IBANs, ... become "[PERSON]", ...).
    """
    content = audit.content_policy(tenant, FEATURE)
    question, text = answer.question, answer.text
    if content == AuditContent.PSEUDONYMISED:
        from aktenkundig.privacy.pseudonymize import redact

        question = redact(question, tenant).text
        text = redact(text, tenant).text
    return audit.log_ai_interaction(
        tenant,
        feature=FEATURE,
        user=user,
        system_actor="" if user is not None else channel,
        backend=answer.backend or "extraktiv",
        model=answer.model or "",
        prompt_version=PROMPT_VERSION,
        source_ids=[c.chunk_id for c in answer.citations],
        input_text=question,
        output_text=text,
        latency_ms=latency_ms,
        case_ref=case_ref,
        content=content,
        extra={
            "channel": channel,
            "refused": bool(answer.refused),
            "generated": bool(answer.generated),
            "coverage": round(float(answer.coverage), 4),
        },
    )


def audited(events: Iterator[tuple[str, Any]], tenant: Tenant, *, channel: str,
            user: Any = None) -> Iterator[tuple[str, Any]]:
    """Pass ``stream_answer`` events through; audit the answer when it is done."""
    started = time.perf_counter()
    for kind, payload in events:
        if kind == "done":
            record_answer(tenant, payload, user=user, channel=channel,
                          latency_ms=(time.perf_counter() - started) * 1000)
        yield kind, payload


def answer_audited(question: str, *, tenant: Tenant, channel: str, **options: Any) -> Any:
    """``assistant.services.answer``, audited (for operator tools without a user)."""
    from aktenkundig.assistant.services import answer

    started = time.perf_counter()
    result = answer(question, tenant=tenant, **options)
    record_answer(tenant, result, channel=channel,
                  latency_ms=(time.perf_counter() - started) * 1000)
    return result
