"""Storing, finding and deleting conversations; feedback; retention.

Feedback and deletions are human actions on AI output: each is recorded in the
tenant's audit log (``governance.audit.log_human_action``) with the
conversation's case reference, in the same transaction as the change.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from aktenkundig.core.models import Tenant
from aktenkundig.governance import audit
from aktenkundig.history.models import (
    Conversation,
    Feedback,
    FeedbackReason,
    RetentionPolicy,
    Turn,
)

log = logging.getLogger(__name__)


FEATURE = "assistant"


class InvalidFeedback(ValueError):
    """Feedback that cannot be stored (message is user-facing)."""


def case_ref(conversation_id: int | None) -> str:
    """The audit log's case reference of a conversation (AI answers and human actions)."""
    return f"unterhaltung-{conversation_id}" if conversation_id else ""


def conversations_of(user, tenant: Tenant, query: str = "") -> QuerySet[Conversation]:
    """The user's own conversations, newest first, optionally full-text filtered."""
    conversations = Conversation.objects.filter(tenant=tenant, user=user)
    query = query.strip()
    if query:
        conversations = conversations.filter(
            Q(title__icontains=query)
            | Q(turns__question__icontains=query)
            | Q(turns__answer__icontains=query)
        ).distinct()
    return conversations


def get_conversation(user, tenant: Tenant, conversation_id: int) -> Conversation:
    """The user's conversation; Conversation.DoesNotExist for anyone else's."""
    return Conversation.objects.get(pk=conversation_id, tenant=tenant, user=user)


def previous_questions(conversation: Conversation | None, limit: int = 3) -> list[str]:
    """The conversation's last questions as they were understood, oldest first: what a
    follow-up question is resolved against."""
    if conversation is None:
        return []
    turns = list(conversation.turns.order_by("-created_at", "-pk")[:limit])
    return [turn.searched for turn in reversed(turns)]


def start_conversation(user, tenant: Tenant, question: str) -> Conversation:
    title = " ".join(question.split())
    if len(title) > 120:
        title = title[:117].rstrip() + "…"
    return Conversation.objects.create(tenant=tenant, user=user, title=title or "Frage")


@transaction.atomic
def record_turn(
    conversation: Conversation,
    question: str,
    *,
    answer: str,
    citations: list[dict[str, Any]],
    collections: list[int] | None = None,
    refused: bool = False,
    ai_generated: bool = True,
    model: str = "",
    query: str = "",
    document=None,
) -> Turn:
    turn = Turn.objects.create(
        query=query if query != question else "",
        document=document,
        conversation=conversation,
        question=question,
        answer=answer,
        citations=citations,
        collections=list(collections or []),
        refused=refused,
        ai_generated=ai_generated,
        model=model,
    )
    # Touch the conversation: retention counts from the last activity.
    conversation.save(update_fields=["updated_at"])
    return turn


@transaction.atomic
def delete_conversation(user, tenant: Tenant, conversation_id: int) -> bool:
    deleted, _ = Conversation.objects.filter(
        pk=conversation_id, tenant=tenant, user=user
    ).delete()
    if deleted:
        audit.log_human_action(tenant, user=user, action="conversation_deleted",
                               feature=FEATURE, case_ref=case_ref(conversation_id))
    return bool(deleted)


def give_feedback(
    user,
    tenant: Tenant,
    turn_id: int,
    *,
    helpful: bool,
    reasons: list[str] | None = None,
    comment: str = "",
) -> Feedback:
    """Store (or replace) the user's feedback on one of their own answers."""
    turn = Turn.objects.filter(
        pk=turn_id, conversation__tenant=tenant, conversation__user=user
    ).first()
    if turn is None:
        raise Turn.DoesNotExist
    valid = {choice.value for choice in FeedbackReason}
    reasons = [r for r in dict.fromkeys(reasons or [])]
    unknown = [r for r in reasons if r not in valid]
    if unknown:
        raise InvalidFeedback(f"Unbekannter Grund: {', '.join(unknown)}")
    if helpful and reasons:
        reasons = []
    comment = comment.strip()
    if len(comment) > 2000:
        raise InvalidFeedback("Der Kommentar ist zu lang (höchstens 2000 Zeichen).")
    with transaction.atomic():
        feedback, _ = Feedback.objects.update_or_create(
            turn=turn,
            defaults={
                "tenant": tenant,
                "user": user,
                "helpful": helpful,
                "reasons": reasons,
                "comment": comment,
            },
        )
        # The comment is free text (may name people): only whether there was one.
        audit.log_human_action(
            tenant, user=user, action="feedback", feature=FEATURE,
            case_ref=case_ref(turn.conversation_id),
            details={"turn": turn.pk, "helpful": helpful, "reasons": reasons,
                     "comment": bool(comment)},
        )
    return feedback


def feedback_for_tenant(
    tenant: Tenant, *, helpful: bool | None = None, reason: str = ""
) -> QuerySet[Feedback]:
    feedback = Feedback.objects.filter(tenant=tenant).select_related(
        "turn", "turn__conversation", "user"
    )
    if helpful is not None:
        feedback = feedback.filter(helpful=helpful)
    if reason:
        # JSON containment is not portable to SQLite; reasons are few, match the text.
        feedback = feedback.filter(reasons__icontains=f'"{reason}"')
    return feedback


def retention_days(tenant: Tenant) -> int:
    policy = RetentionPolicy.objects.filter(tenant=tenant).first()
    return policy.days if policy else settings.HISTORY_DEFAULT_RETENTION_DAYS


def set_retention_days(tenant: Tenant, days: int) -> RetentionPolicy:
    if not 1 <= days <= 3650:
        raise ValueError("Die Aufbewahrungsfrist muss zwischen 1 und 3650 Tagen liegen.")
    policy, _ = RetentionPolicy.objects.update_or_create(tenant=tenant, defaults={"days": days})
    return policy


def purge_expired(now: datetime | None = None) -> int:
    """Delete every conversation older than its tenant's retention period.

    Returns the number of conversations deleted (their turns and feedback go with them).
    """
    now = now or timezone.now()
    total = 0
    for tenant in Tenant.objects.all():
        cutoff = now - timedelta(days=retention_days(tenant))
        expired = Conversation.objects.filter(tenant=tenant, updated_at__lt=cutoff)
        count = expired.count()
        if count:
            expired.delete()
            log.info("deleted %d conversations of %s older than %s", count, tenant.slug, cutoff)
            total += count
    return total
