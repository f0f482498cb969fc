"""What becomes of recognised (and corrected) speech: WebVTT, SRT, a transcript
with timestamps and speakers, and a draft of the Niederschrift.

One module for every source of segments — an uploaded file's subtitle job and,
later, a live session — so that the line rules, the transcript layout and the
rules for the minutes draft are the same wherever text comes from.

Input is a list of *segments*: anything with ``start``, ``end`` (seconds),
``text`` and optionally ``speaker`` and ``confidence`` (objects or dicts). A
segment is not a cue: it may be a whole sentence of a councillor, a corrected
cue, or a line of the live view. :func:`cues` turns segments into cues by the
rules in :mod:`aktenkundig.speech.subtitles` (two lines of at most 42 characters,
reading speed); word times are spread over a segment in proportion to the
characters, because corrected text no longer has the recogniser's word times.

The Niederschrift draft goes through the language-model gateway like every
other model call (data-level routing, privacy hook with the tenant's vault),
after the KI-Register gate, and is audited. It is optional: without a permitted
model the caller gets the reason, not an exception, and the transcript still
exists. What the model wrote is always marked as AI-generated.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aktenkundig.speech.subtitles import Cue, Word, build_cues, to_srt, to_vtt

MINUTES_MAX_INPUT_CHARS = 12_000  # a small on-prem model's context, with room for the answer
MINUTES_PROMPT_VERSION = "speech-minutes-1"
AI_NOTE = "KI-generierter Entwurf – automatisch erstellt, kann Fehler enthalten. Bitte prüfen."


@dataclass
class ExportSegment:
    start: float
    end: float
    text: str
    speaker: str = ""
    confidence: float = 1.0


def _field(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def segments_of(items: Iterable[Any]) -> list[ExportSegment]:
    """Normalise segments (objects or dicts; a cue's ``lines`` count as its text),
    drop empty ones, order by time."""
    result = []
    for item in items:
        text = _field(item, "text")
        if text is None and _field(item, "lines") is not None:
            text = " ".join(_field(item, "lines"))
        text = " ".join(str(text or "").split())
        if not text:
            continue
        start = max(0.0, float(_field(item, "start", 0.0) or 0.0))
        end = max(start, float(_field(item, "end", start) or start))
        confidence = _field(item, "confidence", 1.0)
        result.append(ExportSegment(start, end, text, str(_field(item, "speaker", "") or ""),
                                    1.0 if confidence is None else float(confidence)))
    return sorted(result, key=lambda s: (s.start, s.end))


def spread_words(text: str, start: float, end: float) -> list[Word]:
    """Timed words for a text without word times: the span divided in proportion
    to each word's length (plus one for the space), which is close enough inside
    one segment to cut a cue at the right moment."""
    words = text.split()
    if not words:
        return []
    total = sum(len(w) + 1 for w in words)
    span = max(0.0, end - start)
    result, position = [], start
    for word in words:
        length = span * (len(word) + 1) / total
        result.append(Word(word, position, position + length))
        position += length
    return result


def cues(segments: Iterable[Any]) -> list[Cue]:
    """Cues by the subtitle rules from segments (a speaker change always starts a
    new cue, because the segments are cut into cues one by one)."""
    items = segments_of(segments)
    return build_cues([(spread_words(s.text, s.start, s.end), s.confidence) for s in items])


def vtt(segments: Iterable[Any]) -> str:
    return to_vtt(cues(segments))


def srt(segments: Iterable[Any]) -> str:
    return to_srt(cues(segments))


def clock(seconds: float) -> str:
    """hh:mm:ss, the way a German transcript states times (no milliseconds)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def turns(segments: Iterable[Any]) -> list[str]:
    """Paragraphs of a transcript: one per speaker turn (consecutive segments of
    one speaker are joined), each starting with its time and the speaker's name;
    without speakers, one per segment."""
    paragraphs: list[str] = []
    turn: list[ExportSegment] = []

    def flush() -> None:
        if turn:
            who = f"{turn[0].speaker}: " if turn[0].speaker else ""
            paragraphs.append(f"[{clock(turn[0].start)}] {who}" + " ".join(s.text for s in turn))
            turn.clear()

    for segment in segments_of(segments):
        if turn and not (segment.speaker and segment.speaker == turn[0].speaker):
            flush()
        turn.append(segment)
    flush()
    return paragraphs


def transcript(segments: Iterable[Any], *, title: str = "") -> str:
    """A plain-text transcript with the note that it was made automatically."""
    head = [f"Transkript: {title}"] if title else []
    head.append("Automatisch erstellt – kann Fehler enthalten.")
    return "\n\n".join(["\n".join(head), *turns(segments)]) + "\n"


# --------------------------------------------------------------------------- minutes


@dataclass
class MinutesDraft:
    """The model's draft (``text``) or, when none could be made, ``reason``."""

    text: str = ""
    reason: str = ""
    backend: str = ""
    model: str = ""
    truncated: bool = False
    ai_generated: bool = True

    @property
    def available(self) -> bool:
        return bool(self.text)

    def as_text(self) -> str:
        """The draft as a file: the AI note first, so it travels with the text."""
        head = AI_NOTE + (f" (Modell: {self.model})" if self.model else "")
        if self.truncated:
            head += f"\nNur die ersten {MINUTES_MAX_INPUT_CHARS} Zeichen des Transkripts " \
                    "wurden berücksichtigt."
        return f"{head}\n\n{self.text.strip()}\n"


MINUTES_SYSTEM = (
    "Du schreibst den Entwurf einer Niederschrift (Ergebnisprotokoll) einer öffentlichen "
    "Sitzung einer deutschen Behörde aus dem Transkript. Schreibe sachlich in der dritten "
    "Person und in indirekter Rede, gegliedert nach Tagesordnungspunkten oder Themen, "
    "mit Anträgen, Beschlüssen und Abstimmungsergebnissen. Schreibe nur, was im "
    "Transkript steht; erfinde nichts. Übernimm Namen, Zahlen, Beträge und Daten genau."
)


def minutes_draft(segments: Iterable[Any], *, tenant: Any, user: Any = None,
                  data_level: int, title: str = "", reference: str = "") -> MinutesDraft:
    """A draft of the Niederschrift's wording from the (corrected) segments.

    Gate first (KI-Register entry ``speech``, kill switch, KI-Richtlinie, data
    level, and the backend the gateway would use), then one model call through
    the gateway with the tenant and user as the privacy hook's context, audited
    with ``reference`` (e.g. ``speech-job:12``). Never raises for a missing or
    refused model: the reason is in the result."""
    from aktenkundig.governance import audit
    from aktenkundig.governance.policy import check_feature
    from aktenkundig.llm.gateway import LLMError, complete, select_backend

    body = "\n\n".join(turns(segments))
    if not body:
        return MinutesDraft(reason="Das Transkript ist leer; es gibt nichts zusammenzufassen.")
    try:
        backend = select_backend(data_level)
    except LLMError as error:
        return MinutesDraft(reason=f"Kein Entwurf der Niederschrift möglich: {error}")
    decision = check_feature(user, tenant, "speech", data_level=data_level,
                             backend=backend.name)
    if not decision:
        return MinutesDraft(reason=decision.reason)
    truncated = len(body) > MINUTES_MAX_INPUT_CHARS
    body = body[:MINUTES_MAX_INPUT_CHARS]
    user_text = (f"Sitzung: {title}\n\n" if title else "") + "Transkript:\n" + body
    started = time.perf_counter()
    try:
        completion = complete(
            [{"role": "system", "content": MINUTES_SYSTEM},
             {"role": "user", "content": user_text}],
            data_level=data_level, purpose="speech.minutes", conversation_key=reference,
            context={"tenant": tenant, "user": user},
            # the operator's AKTENKUNDIG_LLM_MAX_TOKENS bounds the draft's length
            temperature=0.1,
        )
        draft = completion.text.strip()
    except LLMError as error:
        return MinutesDraft(reason=f"Kein Entwurf der Niederschrift möglich: {error}")
    authenticated = getattr(user, "is_authenticated", False)
    audit.log_ai_interaction(
        tenant, feature="speech", user=user if authenticated else None,
        system_actor="" if authenticated else "system",
        backend=completion.backend.name, model=completion.model,
        prompt_version=MINUTES_PROMPT_VERSION,
        # what left the server: the request after the privacy hook pseudonymised it
        input_text=completion.request.messages[-1]["content"], output_text=draft,
        latency_ms=(time.perf_counter() - started) * 1000, case_ref=reference,
        extra={"purpose": "minutes", "truncated": truncated},
    )
    if not draft:
        return MinutesDraft(reason="Das Sprachmodell hat keinen Text geliefert.",
                            backend=completion.backend.name, model=completion.model)
    return MinutesDraft(draft, backend=completion.backend.name, model=completion.model,
                        truncated=truncated)
