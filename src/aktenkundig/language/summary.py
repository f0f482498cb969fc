"""Summaries of a document with a source for every sentence.

Why the assistant's machinery: a summary is a set of claims about a document, and
a wrong one is as harmful as a wrong answer. So the model sees the document's
passages numbered, must cite them ([1], [2]), and every sentence it writes is
checked against the passages it cites with ``assistant.claims.check_claim``
(hard facts, polarity, modality, meaning). A sentence without a citation, or one
its passages do not back, is returned with that verdict; the caller shows it,
never silently.

Access: the person must be allowed to read the document (tenant, collection,
clearance); the model gets data of the document's effective level only through
the gateway (routing, privacy hook); the call is audited under ``language``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aktenkundig.assistant.claims import check_claim
from aktenkundig.assistant.text import markers, split_sentences, strip_markers

MAX_PASSAGES = 8
PASSAGE_CHARS = 700
STYLES = {"sachlich": "sachlich und knapp", "einfach": "in Einfacher Sprache"}


@dataclass
class SummarySentence:
    text: str
    sources: list[int]
    verdict: str
    reason: str


@dataclass
class Summary:
    document_id: int
    sentences: list[SummarySentence] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)
    backend: str = ""
    model: str = ""
    ai_generated: bool = True

    @property
    def all_supported(self) -> bool:
        return bool(self.sentences) and all(s.verdict == "belegt" for s in self.sentences)

    def as_json(self) -> dict:
        return {"document_id": self.document_id, "ai_generated": True,
                "all_supported": self.all_supported, "backend": self.backend,
                "model": self.model, "sentences": [s.__dict__ for s in self.sentences]}


def summarize(document: Any, *, user: Any = None, sentences: int = 4,
              style: str = "sachlich", channel: str = "web") -> Summary:
    """Summarise ``document`` (a ``documents.Document``) in at most ``sentences``
    sentences. Raises ``PermissionError`` when ``user`` may not read it, ``ValueError``
    for bad options or an empty document, ``LLMError`` when no model may answer."""
    from aktenkundig.accounts.services import can_read_collection, membership_of
    from aktenkundig.language.services import _audit
    from aktenkundig.llm.gateway import complete

    if style not in STYLES or not 1 <= sentences <= 12:
        raise ValueError("Stil oder Länge der Zusammenfassung ist ungültig.")
    level = document.effective_access_level
    if user is not None:
        membership = membership_of(user)
        if (membership is None or membership.tenant_id != document.tenant_id
                or not can_read_collection(user, document.collection)
                or level > membership.clearance):
            raise PermissionError("Sie dürfen dieses Dokument nicht lesen.")
    passages = [c.text[:PASSAGE_CHARS]
                for c in document.chunks.order_by("ordinal")[:MAX_PASSAGES]]
    if not passages:
        raise ValueError("Das Dokument hat noch keinen durchsuchbaren Text.")
    numbered = "\n\n".join(f"[{i + 1}] {p}" for i, p in enumerate(passages))
    started = time.perf_counter()
    completion = complete(
        [{"role": "system", "content": (
            f"Fasse die nummerierten Auszüge {STYLES[style]} in höchstens {sentences} Sätzen "
            "zusammen. Schreibe nur, was in den Auszügen steht. Setze hinter jeden Satz die "
            "Nummer seines Auszugs in eckigen Klammern, zum Beispiel [1].")},
         {"role": "user", "content": numbered}],
        data_level=level, purpose="language.summary",
        context={"tenant": document.tenant, "user": user},
        max_tokens=60 * sentences, temperature=0.1,
    )
    text = completion.text.strip()
    _audit(document.tenant, purpose="summary", backend=completion.backend.name,
           model=completion.model, input_text=numbered, output_text=text, started=started,
           user=user, channel=channel, extra={"document": document.pk})
    result = Summary(document.pk, passages=passages, backend=completion.backend.name,
                     model=completion.model)
    result.sentences = checked_sentences(text, passages, limit=sentences)
    return result


def checked_sentences(text: str, passages: list[str], *, limit: int) -> list[SummarySentence]:
    """Split what the model wrote into sentences and check each against the numbered
    passages it cites (``[n]``); uncited sentences are „nicht belegt“. Shared by
    summaries and drafts (drafts.py): the same rule for every generated text."""
    checked = []
    for sentence in split_sentences(text)[:limit]:
        cited = [n for n in markers(sentence) if 1 <= n <= len(passages)]
        plain = strip_markers(sentence)
        if not cited:
            checked.append(SummarySentence(plain, [], "nicht belegt", "Ohne Quellenangabe."))
            continue
        verdict = check_claim(plain, [passages[n - 1] for n in cited])
        checked.append(SummarySentence(plain, cited, verdict.verdict, verdict.reason))
    return checked
