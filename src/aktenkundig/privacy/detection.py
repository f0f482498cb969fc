"""German PII detection: one presidio AnalyzerEngine, no spaCy model download.

Presidio wants a spaCy model per language; none may be downloaded at run time,
so :class:`BlankGermanNlpEngine` gives it a blank German spaCy pipeline: the
rule-based tokenizer only (fast, no weights). Lower-cased tokens stand in for
lemmas, which is what presidio's context enhancer compares context words with.
Named entities come from our own recognizer (:mod:`recognizers`), not spaCy.

Usage from any app::

    from aktenkundig.privacy.detection import detect
    for entity in detect(text, tenant=tenant):
        entity.type, entity.start, entity.end, entity.text, entity.score
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

from aktenkundig.privacy.recognizers import LANGUAGE, custom_recognizer, german_recognizers

if TYPE_CHECKING:
    from aktenkundig.core.models import Tenant

# Presidio's names -> ours (the CLI and the placeholders use ours).
TYPE_NAMES = {
    "EMAIL_ADDRESS": "EMAIL",
    "IBAN_CODE": "IBAN",
    "PHONE_NUMBER": "PHONE",
    "DE_TAX_ID": "TAX_ID",
    "DE_TAX_NUMBER": "TAX_NUMBER",
    "DE_SOCIAL_SECURITY": "SOCIAL_SECURITY",
    "DE_HEALTH_INSURANCE": "HEALTH_INSURANCE_NUMBER",
    "DE_ID_CARD": "ID_CARD",
    "DE_PASSPORT": "PASSPORT",
    "DE_KFZ": "LICENSE_PLATE",
    "DE_KFZ_KENNZEICHEN": "LICENSE_PLATE",
}

# When spans of different types overlap, the earlier type wins: validated
# numbers are the most certain, addresses contain town names, names contain
# nothing else, and the statistical LOC/ORG tags are the least certain.
PRIORITY = (
    "IBAN",
    "EMAIL",
    "TAX_ID",
    "SOCIAL_SECURITY",
    "HEALTH_INSURANCE_NUMBER",
    "TAX_NUMBER",
    "ID_CARD",
    "PASSPORT",
    "BIC",
    "DATE_OF_BIRTH",
    "ADDRESS",
    "PHONE",
    "LICENSE_PLATE",
    "PERSON",
    "LOCATION",
    "ORGANIZATION",
)
_RANK = {name: i for i, name in enumerate(PRIORITY)}
_CUSTOM_RANK = -1  # a tenant's own patterns are what the tenant cares about most

SCORE_THRESHOLD = 0.5


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int
    text: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BlankGermanNlpEngine(NlpEngine):
    """Tokenisation with ``spacy.blank("de")``: no model files, ~1 MB/s."""

    def __init__(self) -> None:
        self.nlp = None

    def load(self) -> None:
        import spacy

        self.nlp = spacy.blank(LANGUAGE)
        self.nlp.max_length = 50_000_000
        self._stopwords = self.nlp.Defaults.stop_words

    def is_loaded(self) -> bool:
        return self.nlp is not None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        if self.nlp is None:
            self.load()
        doc = self.nlp(text)
        return NlpArtifacts(
            entities=[],
            tokens=doc,
            tokens_indices=[t.idx for t in doc],
            lemmas=[t.lower_ for t in doc],
            nlp_engine=self,
            language=language,
        )

    def process_batch(
        self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1, **kw
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return word.lower() in self._stopwords

    def is_punct(self, word: str, language: str) -> bool:
        return len(word) == 1 and not word.isalnum()

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return [LANGUAGE]


class FastContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's context enhancer, but linear: the stock one scans every token of
    the text for every match (quadratic; 1 kB/s on a 200 kB file). Here the match's
    token is found by bisection and keywords are looked up in a set."""

    def _extract_surrounding_words(self, nlp_artifacts: NlpArtifacts, word: str, start: int):
        if not nlp_artifacts.tokens:
            return [""]
        keywords = getattr(nlp_artifacts, "_keyword_set", None)
        if keywords is None:
            keywords = set(nlp_artifacts.keywords)
            nlp_artifacts._keyword_set = keywords
        indices = nlp_artifacts.tokens_indices
        index = max(0, bisect.bisect_right(indices, start) - 1)
        lemmas = nlp_artifacts.lemmas
        found: list[str] = []
        for step, count in ((-1, self.context_prefix_count), (1, self.context_suffix_count)):
            i = index if step < 0 else index + 1
            remaining = count + (1 if step < 0 else 0)
            while 0 <= i < len(lemmas) and remaining > 0:
                lemma = lemmas[i]
                if lemma in keywords:
                    found.append(lemma)
                    remaining -= 1
                i += step
        return list(set(found))


def build_analyzer(recognizers: Sequence[EntityRecognizer]) -> AnalyzerEngine:
    nlp_engine = BlankGermanNlpEngine()
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in recognizers:
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
        default_score_threshold=SCORE_THRESHOLD,
        context_aware_enhancer=FastContextEnhancer(),
    )


_lock = threading.Lock()


@cache
def _analyzer() -> AnalyzerEngine:
    with _lock:
        return build_analyzer(german_recognizers())


def analyzer() -> AnalyzerEngine:
    """The process-wide German analyzer (built on first use, ~0.5 s)."""
    return _analyzer()


def tenant_recognizers(tenant: Tenant | None) -> list[EntityRecognizer]:
    if tenant is None:
        return []
    from aktenkundig.privacy.models import CustomPattern

    return [
        custom_recognizer(p.name, p.entity_type, p.regex, p.context_words())
        for p in CustomPattern.objects.filter(tenant=tenant, active=True)
    ]


def resolve_overlaps(entities: Iterable[Entity], custom_types: frozenset[str] = frozenset()):
    """Keep the best non-overlapping spans (see :data:`PRIORITY`), in text order."""

    def key(e: Entity):
        rank = _CUSTOM_RANK if e.type in custom_types else _RANK.get(e.type, len(PRIORITY))
        return (rank, -(e.end - e.start), -e.score)

    kept: list[Entity] = []
    starts: list[int] = []  # kept spans, sorted by start; they never overlap
    ends: list[int] = []
    for entity in sorted(entities, key=key):
        i = bisect.bisect_left(starts, entity.start)
        if i > 0 and ends[i - 1] > entity.start:
            continue
        if i < len(starts) and starts[i] < entity.end:
            continue
        starts.insert(i, entity.start)
        ends.insert(i, entity.end)
        kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.end))


def detect(
    text: str,
    tenant: Tenant | None = None,
    engine: AnalyzerEngine | None = None,
    extra_recognizers: Sequence[EntityRecognizer] = (),
) -> list[Entity]:
    """Personal data in German ``text``: non-overlapping entities with char offsets."""
    if not text:
        return []
    ad_hoc = [*tenant_recognizers(tenant), *extra_recognizers]
    results = (engine or analyzer()).analyze(
        text=text,
        language=LANGUAGE,
        ad_hoc_recognizers=ad_hoc or None,
        score_threshold=SCORE_THRESHOLD,
    )
    custom_types = frozenset(
        entity for recognizer in ad_hoc for entity in recognizer.supported_entities
    )
    entities = []
    for result in results:
        start, end = result.start, result.end
        # Patterns may grab trailing punctuation or spaces; offsets point at the value.
        entity_type = TYPE_NAMES.get(result.entity_type, result.entity_type)
        trailing = " \t\n,;:." if entity_type == "ADDRESS" else " \t\n,;:"
        while end > start and text[end - 1] in trailing:
            end -= 1
        entities.append(Entity(entity_type, start, end, text[start:end], round(result.score, 3)))
    return resolve_overlaps(entities, custom_types)
