"""Translation: segmenting with markup kept, pluggable backends, glossary check,
translation memory.

Why segments: a web page is markup with text in it. Only the text nodes go to a
backend, one segment each, and the page is rebuilt around the translations, so
no model can break a link or a table. Segments are also the unit of the
translation memory (a re-translated page sends only what changed) and of review.

Backends are pluggable and a one-line setting (``AKTENKUNDIG_TRANSLATE_BACKEND``):

* ``llm``: the configured OpenAI-compatible chat server, through
  ``llm.gateway.complete`` (privacy hook, data-level routing);
* ``libretranslate``: a LibreTranslate-compatible server run on premise
  (``POST /translate`` with ``q``, ``source``, ``target``, ``format``,
  ``api_key``; answer ``translatedText``), with its own highest data level.

Either way a text above the backend's data level is refused before anything is
sent. The glossary is checked after translation: a fixed term that did not come
out as decided is flagged on its segment, never silently accepted.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from aktenkundig import config
from aktenkundig.core.models import AccessLevel
from aktenkundig.llm.gateway import LLMError, LLMNotPermitted

# Shown to staff in their interface language (the msgids are German); prompts use
# _ENGLISH_NAMES, which the model understands best, whatever the staff member reads.
LANGUAGES: dict[str, Any] = {
    "de": _("Deutsch"), "en": _("Englisch"), "tr": _("Türkisch"), "ar": _("Arabisch"),
    "uk": _("Ukrainisch"), "ru": _("Russisch"), "pl": _("Polnisch"), "ro": _("Rumänisch"),
    "fa": _("Persisch (Farsi)"), "fr": _("Französisch"), "es": _("Spanisch"),
}
_ENGLISH_NAMES = {
    "de": "German", "en": "English", "tr": "Turkish", "ar": "Arabic", "uk": "Ukrainian",
    "ru": "Russian", "pl": "Polish", "ro": "Romanian", "fa": "Persian (Farsi)",
    "fr": "French", "es": "Spanish",
}
MAX_SEGMENT_CHARS = 4000
FUZZY_THRESHOLD = 0.8
MACHINE_NOTE = _("maschinell übersetzt")


class TranslationRefused(LLMNotPermitted):
    """The text may not go to this backend (its data level is too high)."""


# --------------------------------------------------------------------------- segmenting


@dataclass
class Segmented:
    segments: list[str]
    rebuild: Callable[[list[str]], str]


_PLACEHOLDER = "⟦{}⟧"


def segment(text: str, fmt: str = "text") -> Segmented:
    if fmt == "html":
        return _segment_html(text)
    if fmt == "markdown":
        return _segment_markdown(text)
    return _segment_text(text)


def _segment_text(text: str) -> Segmented:
    parts = re.split(r"(\n\s*\n)", text)
    slots = [i for i, p in enumerate(parts) if i % 2 == 0 and p.strip()]

    def rebuild(translated: list[str]) -> str:
        out = list(parts)
        for i, t in zip(slots, translated, strict=True):
            lead = parts[i][: len(parts[i]) - len(parts[i].lstrip())]
            trail = parts[i][len(parts[i].rstrip()):]
            out[i] = lead + t.strip() + trail
        return "".join(out)

    return Segmented([parts[i].strip() for i in slots], rebuild)


_SKIP_TAGS = {"script", "style", "code", "pre", "noscript", "template"}


def _segment_html(text: str) -> Segmented:
    """Text nodes outside script/style/code; markup and attributes untouched."""
    from bs4 import BeautifulSoup
    from bs4.element import Comment, NavigableString

    soup = BeautifulSoup(text, "html.parser")
    nodes = [
        node for node in soup.find_all(string=True)
        if isinstance(node, NavigableString) and not isinstance(node, Comment)
        and node.strip() and not any(p.name in _SKIP_TAGS for p in node.parents)
        and re.search(r"[^\W\d_]", node)
    ]

    def rebuild(translated: list[str]) -> str:
        for node, t in zip(nodes, translated, strict=True):
            lead = node[: len(node) - len(node.lstrip())]
            trail = node[len(node.rstrip()):]
            node.replace_with(NavigableString(lead + t.strip() + trail))
        return str(soup)

    return Segmented([" ".join(str(n).split()) for n in nodes], rebuild)


_MD_PREFIX = re.compile(r"^(\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s?)*)(.*?)(\s*)$")
_MD_PROTECT = re.compile(r"`[^`]+`|\]\([^)]*\)|<[^>]+>|https?://\S+")


def _segment_markdown(text: str) -> Segmented:
    """Line by line: block markers (#, -, 1., >) stay, inline code and link targets
    are replaced by placeholders the backend must keep."""
    lines = text.split("\n")
    slots: list[tuple[int, str, str, list[str]]] = []
    segments: list[str] = []
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced or not re.search(r"[^\W\d_]", line) or re.fullmatch(r"\s*\|?[-:| ]+\|?\s*", line):
            continue
        m = _MD_PREFIX.match(line)
        prefix, body, trail = m.group(1), m.group(2), m.group(3)
        kept: list[str] = []

        def protect(match: re.Match[str], kept: list[str] = kept) -> str:
            kept.append(match.group())
            return _PLACEHOLDER.format(len(kept) - 1)

        body = _MD_PROTECT.sub(protect, body)
        slots.append((i, prefix, trail, kept))
        segments.append(body)

    def rebuild(translated: list[str]) -> str:
        out = list(lines)
        for (i, prefix, trail, kept), t in zip(slots, translated, strict=True):
            out[i] = prefix + restore_placeholders(t.strip(), kept) + trail
        return "\n".join(out)

    return Segmented(segments, rebuild)


def restore_placeholders(text: str, kept: Sequence[str]) -> str:
    for n, original in enumerate(kept):
        token = _PLACEHOLDER.format(n)
        text = text.replace(token, original) if token in text else text + " " + original
    return text


# --------------------------------------------------------------------------- glossary


@dataclass(frozen=True)
class Term:
    term: str
    keep: bool = False
    translations: dict[str, str] = field(default_factory=dict)
    explanation: str = ""


def required_terms(source: str, terms: Sequence[Term], target: str) -> list[tuple[str, str]]:
    """(source term, what must appear in the translation) for terms in ``source``."""
    found = []
    for t in terms:
        if not t.term or not re.search(r"\b" + re.escape(t.term), source, re.IGNORECASE):
            continue
        wanted = t.term if t.keep else t.translations.get(target, "")
        if wanted:
            found.append((t.term, wanted))
    return found


def glossary_problems(source: str, translated: str, terms: Sequence[Term], target: str
                      ) -> list[str]:
    return [
        f"Glossar: „{term}“ muss als „{wanted}“ erscheinen."
        for term, wanted in required_terms(source, terms, target)
        if wanted.lower() not in translated.lower()
    ]


# --------------------------------------------------------------------------- backends


class Backend(Protocol):
    name: str
    label: str
    max_level: int

    def translate(self, texts: list[str], source: str, target: str, *,
                  data_level: int = AccessLevel.OFFEN, hints: Sequence[str] = (),
                  context: dict[str, Any] | None = None,
                  on_call: Callable[..., None] | None = None) -> list[str]:
        """Translate ``texts``; ``on_call(inputs, outputs, started, model)`` after each
        request to the server (for the audit trail)."""


class LLMBackend:
    """The configured chat server, through the gateway (routing, privacy hook)."""

    name = "llm"

    def __init__(self) -> None:
        from aktenkundig.llm.backends import default_backend

        chat = default_backend()
        self.configured = chat is not None
        self.label = f"Sprachmodell {chat.label}" if chat else "Sprachmodell (nicht konfiguriert)"
        self.max_level = int(chat.max_level) if chat else -1
        self.model = chat.model if chat else ""

    def translate(self, texts: list[str], source: str, target: str, *,
                  data_level: int = AccessLevel.OFFEN, hints: Sequence[str] = (),
                  context: dict[str, Any] | None = None,
                  on_call: Callable[..., None] | None = None) -> list[str]:
        from aktenkundig.llm.gateway import complete

        results = []
        for i, text in enumerate(texts):
            instructions = (
                f"Translate the user's {_ENGLISH_NAMES.get(source, source)} text into "
                f"{_ENGLISH_NAMES.get(target, target)}. Output only the translation. Keep "
                "tokens like ⟦0⟧ unchanged."
            )
            hint = hints[i] if i < len(hints) else ""
            if hint:
                instructions += " " + hint
            started = time.perf_counter()
            completion = complete(
                [{"role": "system", "content": instructions}, {"role": "user", "content": text}],
                data_level=data_level, purpose="language.translate", context=context,
                max_tokens=min(2000, 40 + len(text) // 2), temperature=0.0,
            )
            results.append(completion.text.strip())
            if on_call is not None:
                on_call([text], [results[-1]], started, completion.model)
        return results


class LibreTranslateBackend:
    """Client of a LibreTranslate-compatible server (documented ``/translate`` API)."""

    name = "libretranslate"

    def __init__(self, base_url: str, api_key: str = "", max_level: int = AccessLevel.OFFEN,
                 timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.max_level = int(max_level)
        self.timeout = timeout
        self.label = f"LibreTranslate ({self.base_url})"

    def translate(self, texts: list[str], source: str, target: str, *,
                  data_level: int = AccessLevel.OFFEN, hints: Sequence[str] = (),
                  context: dict[str, Any] | None = None,
                  on_call: Callable[..., None] | None = None) -> list[str]:
        import httpx

        if int(data_level) > self.max_level:
            raise TranslationRefused(
                f"Der Übersetzungsserver {self.base_url} ist nicht für Daten der Schutzstufe "
                f"„{AccessLevel(int(data_level)).label}“ freigegeben."
            )
        if not texts:
            return []
        body: dict[str, Any] = {"q": texts, "source": source, "target": target,
                                "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        started = time.perf_counter()
        try:
            response = httpx.post(f"{self.base_url}/translate", json=body, timeout=self.timeout)
        except httpx.HTTPError as error:
            raise LLMError(f"Der Übersetzungsserver ist nicht erreichbar: {error}") from error
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200:
            raise LLMError(f"Der Übersetzungsserver meldet einen Fehler "
                           f"({response.status_code}): {data.get('error', '')}".rstrip(": "))
        translated = data.get("translatedText")
        if isinstance(translated, str):
            translated = [translated]
        if not isinstance(translated, list) or len(translated) != len(texts):
            raise LLMError("Der Übersetzungsserver hat eine unerwartete Antwort geschickt.")
        results = [str(t) for t in translated]
        if on_call is not None:
            on_call(texts, results, started, "")
        return results


def configured_backend() -> Backend:
    """The backend ``AKTENKUNDIG_TRANSLATE_BACKEND`` names."""
    kind = config.get("AKTENKUNDIG_TRANSLATE_BACKEND").strip().lower() or "llm"
    if kind == "libretranslate":
        url = config.get("AKTENKUNDIG_TRANSLATE_URL").strip()
        if not url:
            raise LLMError("AKTENKUNDIG_TRANSLATE_URL ist nicht gesetzt.")
        return LibreTranslateBackend(
            url, config.get("AKTENKUNDIG_TRANSLATE_API_KEY"),
            AccessLevel.parse(config.get("AKTENKUNDIG_TRANSLATE_MAX_LEVEL")),
        )
    if kind != "llm":
        raise LLMError(f"Unbekanntes Übersetzungs-Backend {kind!r} (llm oder libretranslate).")
    return LLMBackend()


# --------------------------------------------------------------------------- memory


def fuzzy_match(source: str, candidates: Sequence[tuple[str, str]]
                ) -> tuple[float, str, str] | None:
    """Best (ratio, source, target) among ``candidates`` at or above the threshold."""
    best = None
    for cand_source, cand_target in candidates:
        if not 0.7 <= len(cand_source) / max(1, len(source)) <= 1.4:
            continue
        matcher = difflib.SequenceMatcher(None, source, cand_source, autojunk=False)
        if matcher.real_quick_ratio() < FUZZY_THRESHOLD or matcher.quick_ratio() < FUZZY_THRESHOLD:
            continue
        ratio = matcher.ratio()
        if ratio >= FUZZY_THRESHOLD and (best is None or ratio > best[0]):
            best = (ratio, cand_source, cand_target)
    return best
