"""The citizen chatbot's domain logic: conversations, questions, hand-overs,
knowledge gaps, retention and analytics. Views only call these functions."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktenkundig import config
from aktenkundig.citizen import pii
from aktenkundig.citizen.answering import CitizenAnswer, answer_public
from aktenkundig.citizen.language import (
    HANDOVER_OFFER,
    NO_ANSWER,
    POLITE_REFUSAL,
    SUPPORTED,
    detect_language,
    text_for,
    wants_human,
)
from aktenkundig.citizen.models import (
    ChannelSettings,
    CitizenSession,
    ContactChannel,
    HandoverRequest,
    HandoverStatus,
    KnowledgeGap,
    Message,
    Outcome,
    QuestionStat,
    Role,
    token_hash,
)
from aktenkundig.citizen.moderation import is_offensive
from aktenkundig.citizen.ratelimit import Limit
from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.governance import audit
from aktenkundig.governance.policy import Decision, check_feature

FEATURE = "citizen"


class CitizenInputError(ValueError):
    """Input the chatbot cannot accept; the message is shown to the citizen."""


class CitizenUnavailable(RuntimeError):
    """Governance does not allow the chatbot now (no approved register entry,
    switched off, or not allowed by the KI-Richtlinie). No AI call was made."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


def disclosure(tenant: Tenant) -> str:
    """What the chat page says before the first question (AI Act Art. 50): the same
    sentences, for the JSON API's callers to show."""
    return " ".join([
        _("Sie schreiben mit dem KI-Assistenten von %(name)s – nicht mit einem Menschen.")
        % {"name": tenant.name},
        str(_("Ich beantworte Fragen aus öffentlichen Informationen der Verwaltung und nenne "
              "zu jeder Antwort die Quelle.")),
        str(_("Ich kann keine Anträge bearbeiten, keine verbindlichen Auskünfte geben und sehe "
              "keine persönlichen Akten. Meine Antworten werden automatisch erzeugt und können "
              "Fehler enthalten. Bitte geben Sie keine persönlichen Daten ein.")),
    ])  # fmt: skip


def unavailable_text(tenant: Tenant) -> str:
    """Said instead of an answer while the chatbot may not answer (kill switch, …)."""
    contact = channel_settings(tenant).contact()
    text = str(_(
        "Der KI-Assistent ist zurzeit nicht verfügbar. Ihre Nachricht wurde nicht gespeichert."
    ))
    if contact:
        text += " " + _("So erreichen Sie uns: %(contact)s") % {"contact": contact}
    return text


def availability(tenant: Tenant) -> Decision:
    """May the public chatbot of ``tenant`` answer now? Asked on every request,
    never cached, so that the kill switch takes effect at once."""
    return check_feature(None, tenant, FEATURE, data_level=AccessLevel.OFFEN)


def _parse_rate(name: str) -> Limit:
    value = config.get(name)
    try:
        count, seconds = (int(part) for part in value.split("/"))
    except ValueError as error:
        raise ValueError(f"{name} must look like 30/60 (count/seconds), not {value!r}") from error
    return Limit(name.rsplit("_", 1)[-1].lower(), count, max(1, seconds))


def ip_limit() -> Limit:
    return _parse_rate("AKTENKUNDIG_CITIZEN_RATE_IP")


def session_limit() -> Limit:
    return _parse_rate("AKTENKUNDIG_CITIZEN_RATE_SESSION")


def max_message_chars() -> int:
    return config.get_int("AKTENKUNDIG_CITIZEN_MAX_MESSAGE_CHARS")


def channel_settings(tenant: Tenant) -> ChannelSettings:
    found, _created = ChannelSettings.objects.get_or_create(tenant=tenant)
    return found


# Conversations ------------------------------------------------------------


def start_session(tenant: Tenant, *, language: str = "de") -> tuple[CitizenSession, str]:
    """A new anonymous conversation and the token the browser keeps for it."""
    token = secrets.token_urlsafe(24)
    # Retention holds even where nobody scheduled `citizen_purge`: at most one
    # purge per hour, piggybacked on a new conversation.
    if cache.add("citizen-purge-lock", 1, timeout=3600):
        purge_expired()
    days = channel_settings(tenant).retention_days
    session = CitizenSession.objects.create(
        tenant=tenant,
        token_hash=token_hash(token),
        language=language if language in SUPPORTED else "de",
        expires_at=timezone.now() + timedelta(days=days),
    )
    return session, token


def find_session(tenant: Tenant, token: str) -> CitizenSession | None:
    """The live conversation of ``tenant`` with this token, or None."""
    if not token or len(token) > 100:
        return None
    return (
        CitizenSession.objects.active().filter(tenant=tenant, token_hash=token_hash(token)).first()
    )


def set_plain_language(session: CitizenSession, plain: bool) -> None:
    if session.plain_language != plain:
        session.plain_language = plain
        session.save(update_fields=["plain_language"])


@dataclass
class Turn:
    question: Message
    answer: Message

    @property
    def handover_offered(self) -> bool:
        """The page opens (the API offers) the hand-over to a person: asked for, or
        nothing public answers the question."""
        return self.answer.outcome in (Outcome.HANDOVER, Outcome.NO_SOURCE)


def _gap_key(text: str) -> str:
    normalised = " ".join(re.findall(r"\w+", text.lower()))
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def record_knowledge_gap(tenant: Tenant, question: str, language: str) -> KnowledgeGap:
    key = _gap_key(question)
    with transaction.atomic():
        gap, created = KnowledgeGap.objects.get_or_create(
            tenant=tenant, key=key, defaults={"question": question, "language": language}
        )
        if not created:
            KnowledgeGap.objects.filter(pk=gap.pk).update(
                count=F("count") + 1, last_seen=timezone.now(), resolved=False
            )
    return gap


def ask(
    session: CitizenSession,
    text: str,
    *,
    plain: bool | None = None,
    use_llm: bool | None = None,
) -> Turn:
    """Answer one citizen message and store the turn (pseudonymised).

    Raises :class:`CitizenInputError` for empty or over-long messages; those
    are not stored. Raises :class:`CitizenUnavailable` when governance does not
    allow the chatbot; then nothing is stored and no model is asked. Every
    answer is written to the tenant's audit log (pseudonymised text only)."""
    text = (text or "").strip()
    if not text:
        raise CitizenInputError(_("Bitte geben Sie eine Frage ein."))
    limit = max_message_chars()
    if len(text) > limit:
        raise CitizenInputError(
            _("Ihre Nachricht ist zu lang (höchstens %(limit)d Zeichen). Bitte kürzen Sie sie.")
            % {"limit": limit}
        )
    decision = availability(session.tenant)
    if not decision:
        raise CitizenUnavailable(decision)
    if plain is not None:
        set_plain_language(session, plain)

    started = time.perf_counter()
    detection = detect_language(text, fallback=session.language)
    language = detection.code
    tenant = session.tenant
    now = timezone.now()

    if is_offensive(text):
        # The insult itself is not kept, and it never reaches a model.
        stored_question = "[beleidigende Nachricht, nicht gespeichert]"
        result = CitizenAnswer(text_for(POLITE_REFUSAL, language), False, language)
        outcome = Outcome.OFFENSIVE
    elif wants_human(text):
        # Not a question for the documents: the refusal („nichts gefunden“) would be
        # wrong and would list it as a knowledge gap. The hand-over form opens instead.
        stored_question = pii.redact(text, tenant)
        result = CitizenAnswer(text_for(HANDOVER_OFFER, language), False, language,
                               backend="handover-intent")
        outcome = Outcome.HANDOVER
    else:
        stored_question = pii.redact(text, tenant)
        result = answer_public(
            stored_question,
            tenant=tenant,
            language=language,
            plain=session.plain_language,
            use_llm=use_llm,
            conversation_key=f"citizen-{session.pk}",
        )
        outcome = Outcome.ANSWERED if result.answered else Outcome.NO_SOURCE
        if not result.answered:
            result.text = text_for(NO_ANSWER, language)
            result.language = language
    latency_ms = (time.perf_counter() - started) * 1000

    with transaction.atomic():
        question = Message.objects.create(
            session=session,
            role=Role.CITIZEN,
            text=stored_question,
            language=language,
            created_at=now,
        )
        answer = Message.objects.create(
            session=session,
            role=Role.ASSISTANT,
            text=result.text,
            language=result.language,
            outcome=outcome,
            generated=result.generated,
            note=result.note,
            citations=result.citations,
            created_at=timezone.now(),
        )
        QuestionStat.objects.create(
            tenant=tenant,
            day=timezone.localdate(now),
            language=language,
            outcome=outcome,
            topic=(result.citations[0]["document"] if result.citations else "")[:500],
            message=answer,
        )
        session.language = language
        session.last_activity = now
        session.save(update_fields=["language", "last_activity"])
        if outcome == Outcome.NO_SOURCE:
            record_knowledge_gap(tenant, stored_question, language)
        # In the same transaction as the turn: no answer without its audit record.
        audit.log_ai_interaction(
            tenant,
            feature=FEATURE,
            backend=result.backend or ("moderation" if outcome == Outcome.OFFENSIVE else ""),
            model=result.model,
            source_ids=[c.get("chunk_id") or c.get("document_id") for c in result.citations],
            input_text=stored_question,
            output_text=result.text,
            latency_ms=latency_ms,
            case_ref=f"citizen-{session.pk}",
            extra={
                "outcome": outcome,
                "language": language,
                "generated": result.generated,
                "message": answer.pk,
            },
        )
    return Turn(question, answer)


def give_feedback(session: CitizenSession, message_id: int, value: int) -> bool:
    """Thumbs up (+1) or down (-1) on one of this conversation's answers."""
    value = 1 if value > 0 else -1
    updated = Message.objects.filter(session=session, pk=message_id, role=Role.ASSISTANT).update(
        feedback=value
    )
    QuestionStat.objects.filter(message_id=message_id, message__session=session).update(
        feedback=value
    )
    return bool(updated)


def conversation(session: CitizenSession) -> list[Message]:
    return list(session.messages.all())


# Hand-over to a person ----------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d /().-]{6,30}$")


def request_handover(
    session: CitizenSession,
    *,
    channel: str,
    contact: str,
    consent: bool,
    note: str = "",
) -> HandoverRequest:
    """Pass the conversation to the responsible team. Contact data is only taken
    with explicit consent, and stored encrypted."""
    if not consent:
        raise CitizenInputError(
            _("Bitte bestätigen Sie, dass wir Ihre Kontaktdaten für die Antwort nutzen dürfen.")
        )
    contact = (contact or "").strip()
    if channel == ContactChannel.EMAIL:
        if not _EMAIL.match(contact) or len(contact) > 254:
            raise CitizenInputError(_("Bitte geben Sie eine gültige E-Mail-Adresse an."))
    elif channel == ContactChannel.PHONE:
        if not _PHONE.match(contact) or sum(ch.isdigit() for ch in contact) < 6:
            raise CitizenInputError(_("Bitte geben Sie eine gültige Telefonnummer an."))
    else:
        raise CitizenInputError(_("Bitte wählen Sie E-Mail oder Telefon."))
    note = (note or "").strip()
    if len(note) > max_message_chars():
        raise CitizenInputError(_("Ihr Anliegen ist zu lang. Bitte kürzen Sie es."))
    transcript = [
        {
            "role": m.role,
            "text": m.text,
            "at": m.created_at.isoformat(),
            "citations": [c.get("document", "") for c in m.citations],
        }
        for m in conversation(session)
    ]
    return HandoverRequest.objects.create(
        tenant=session.tenant,
        session=session,
        team=channel_settings(session.tenant).handover_team,
        channel=channel,
        contact_encrypted=pii.encrypt_contact(contact),
        consent_at=timezone.now(),
        note=pii.redact(note, session.tenant),
        transcript=transcript,
        language=session.language,
    )


def handovers_for(tenant: Tenant, status: str | None = None):
    queryset = HandoverRequest.objects.filter(tenant=tenant)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def answer_handover(request: HandoverRequest, *, user, text: str) -> HandoverRequest:
    text = (text or "").strip()
    if not text:
        raise CitizenInputError(_("Bitte schreiben Sie eine Antwort."))
    if request.status == HandoverStatus.CLOSED:
        raise CitizenInputError(_("Diese Anfrage ist bereits abgeschlossen."))
    now = timezone.now()
    with transaction.atomic():
        request.answer = text
        request.answered_by = user
        request.answered_at = now
        request.status = HandoverStatus.ANSWERED
        request.save(update_fields=["answer", "answered_by", "answered_at", "status"])
        if request.session_id:
            # Shown in the conversation if the citizen is still there; the staff
            # member also uses the contact the citizen gave.
            Message.objects.create(
                session_id=request.session_id,
                role=Role.STAFF,
                text=text,
                language="de",
                created_at=now,
            )
    return request


def close_handover(request: HandoverRequest, *, user) -> HandoverRequest:
    """Close the request and delete the contact data it no longer needs."""
    request.status = HandoverStatus.CLOSED
    request.closed_at = timezone.now()
    request.contact_encrypted = ""
    request.save(update_fields=["status", "closed_at", "contact_encrypted"])
    return request


# Retention ----------------------------------------------------------------


def purge_expired(now=None) -> dict[str, int]:
    """Delete expired conversations and the contact data of old hand-overs.

    Counts (QuestionStat) survive: they hold no text."""
    now = now or timezone.now()
    _total, deleted = CitizenSession.objects.filter(expires_at__lte=now).delete()
    sessions = deleted.get(CitizenSession._meta.label, 0)
    contacts = 0
    for channel in ChannelSettings.objects.all():
        cutoff = now - timedelta(days=channel.retention_days)
        contacts += (
            HandoverRequest.objects.filter(tenant=channel.tenant, created_at__lt=cutoff)
            .exclude(contact_encrypted="")
            .filter(~Q(status=HandoverStatus.OPEN))
            .update(contact_encrypted="")
        )
    return {"sessions": sessions, "contacts": contacts}


# Analytics ----------------------------------------------------------------


def analytics(tenant: Tenant, *, days: int = 30) -> dict:
    """Counts only: questions per day, answered or not, topics, feedback,
    hand-overs. No text a citizen typed appears here."""
    since = timezone.localdate() - timedelta(days=days - 1)
    stats = QuestionStat.objects.filter(tenant=tenant, day__gte=since)
    per_day = list(
        stats.values("day")
        .annotate(
            total=Count("id"),
            answered=Count("id", filter=Q(outcome=Outcome.ANSWERED)),
            unanswered=Count("id", filter=Q(outcome=Outcome.NO_SOURCE)),
        )
        .order_by("day")
    )
    outcomes = {row["outcome"]: row["n"] for row in stats.values("outcome").annotate(n=Count("id"))}
    topics = list(
        stats.exclude(topic="").values("topic").annotate(n=Count("id")).order_by("-n", "topic")[:10]
    )
    languages = list(stats.values("language").annotate(n=Count("id")).order_by("-n"))
    feedback = {
        "positive": stats.filter(feedback__gt=0).count(),
        "negative": stats.filter(feedback__lt=0).count(),
    }
    handovers = HandoverRequest.objects.filter(tenant=tenant, created_at__date__gte=since)
    handover_counts = {
        row["status"]: row["n"] for row in handovers.values("status").annotate(n=Count("id"))
    }
    return {
        "days": days,
        "since": since,
        "total": sum(outcomes.values()),
        "answered": outcomes.get(Outcome.ANSWERED, 0),
        "unanswered": outcomes.get(Outcome.NO_SOURCE, 0),
        "offensive": outcomes.get(Outcome.OFFENSIVE, 0),
        "per_day": per_day,
        "topics": topics,
        "languages": languages,
        "feedback": feedback,
        "handovers": {
            "total": sum(handover_counts.values()),
            "open": handover_counts.get(HandoverStatus.OPEN, 0),
            "answered": handover_counts.get(HandoverStatus.ANSWERED, 0),
            "closed": handover_counts.get(HandoverStatus.CLOSED, 0),
        },
        "knowledge_gaps": KnowledgeGap.objects.filter(tenant=tenant, resolved=False).count(),
    }
