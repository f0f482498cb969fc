"""Follow-up questions: what does „Und wie lange gilt das?“ ask about?

People talk to the assistant as to a colleague: the second question leans on the
first („Wie hoch ist die Hundesteuer?“ – „Und wann ist sie fällig?“). Searched on
its own, „Und wann ist sie fällig?“ finds whatever is due somewhere, or nothing,
and the coverage judgement rightly refuses. So before retrieval a follow-up is
turned into a question that stands on its own, and *that* is what is searched,
judged and shown („Verstanden als: …“), so the person can see what was answered.

* With a language model allowed for the conversation's data level, the model
  rewrites the question from the previous ones (it sees questions only, never
  passages or answers).
* Without one (or when it fails), a follow-up is recognised by its form – it starts
  with a connective („Und …“, „Was ist mit …“, "What about …") or it has at most two
  content words and points back with a pronoun („sie“, „das“ not followed by a
  noun, „dafür“, "it") – and is searched together with the previous question. The
  dense half of the search then carries the topic, the lexical half both.

A question that names its own topic is left alone: prefixing it with an unrelated
earlier question would only blur the search.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from aktenkundig.search.analyzer import analyze

logger = logging.getLogger(__name__)

# Beginnings that only make sense as a continuation.
_CONNECTIVES = re.compile(
    r"^\s*(und|aber|oder|also|sowie|auch|gilt (das|dies)|was ist mit|wie ist es mit|"
    r"wie sieht es mit|and|but|or|also|what about|how about|what if)\b",
    re.IGNORECASE,
)
# Words that point back to something said before.
_POINTING = {
    "das", "dies", "diese", "dieser", "dieses", "diesen", "es", "sie", "er", "ihn", "ihm",
    "dort", "dafür", "dafur", "davon", "dazu", "damit", "darauf", "darüber", "daruber",
    "hierfür", "hierzu", "dabei", "dann", "it", "that", "this", "they", "them", "there",
}
_ARTICLE_LIKE = {"das", "dies", "diese", "dieser", "dieses", "diesen", "this", "that"}
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_CONTENT_TERMS = 2
REMEMBERED = 3  # previous questions taken into account


def is_follow_up(question: str) -> bool:
    """Whether ``question`` leans on an earlier one (German and English forms)."""
    if _CONNECTIVES.match(question):
        return True
    if len(set(analyze(question))) > MAX_CONTENT_TERMS:
        return False
    words = _WORD.findall(question)
    for i, word in enumerate(words):
        lower = word.lower()
        if lower not in _POINTING:
            continue
        following = words[i + 1] if i + 1 < len(words) else ""
        # „das Bürgerbüro“ is an article, „gilt das?“ a pointer.
        if lower in _ARTICLE_LIKE and following[:1].isupper():
            continue
        return True
    return False


def resolve(
    question: str,
    previous: Sequence[str],
    *,
    llm_level: int | None = None,
    conversation_key: str = "",
) -> str:
    """The question to search for: ``question`` itself, or, for a follow-up, a
    standalone form built from the ``previous`` (already resolved) questions.
    ``llm_level``: the data level a model may be asked at (None: no model)."""
    previous = [p for p in previous if p and p.strip()][-REMEMBERED:]
    if not previous or not is_follow_up(question):
        return question
    if llm_level is not None:
        rewritten = _rewrite_with_model(question, previous, llm_level, conversation_key)
        if rewritten:
            return rewritten
    return f"{previous[-1]} {question}"


def _rewrite_with_model(
    question: str, previous: Sequence[str], level: int, conversation_key: str
) -> str:
    from aktenkundig.llm import gateway

    if not gateway.is_available(level):
        return ""
    earlier = "\n".join(f"- {p}" for p in previous)
    try:
        completion = gateway.complete(
            [
                {
                    "role": "system",
                    "content": (
                        "Formuliere die letzte Frage so um, dass sie ohne die vorherigen "
                        "Fragen verständlich ist. Behalte Sprache und Bedeutung bei. Gib nur "
                        "die umformulierte Frage aus."
                    ),
                },
                {"role": "user", "content": f"Vorherige Fragen:\n{earlier}\n\nLetzte Frage: "
                                            f"{question}"},
            ],
            data_level=level,
            conversation_key=conversation_key,
            purpose="assistant-followup",
            max_tokens=120,
        )
    except Exception:  # a failing model must not stop the answer: fall back to the heuristic
        logger.warning("follow-up rewrite failed", exc_info=True)
        return ""
    text = " ".join(completion.text.split()).strip().strip('"„“')
    # A rewrite that is empty, runs on, or lost every word of the question is not used.
    if not text or len(text) > 400:
        return ""
    return text
