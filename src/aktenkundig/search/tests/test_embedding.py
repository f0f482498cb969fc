"""Embeddings: real bundled model, no database."""

from __future__ import annotations

import numpy as np
import pytest

from aktenkundig.search.embedding import Encoder, get_encoder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return get_encoder()


def test_vectors_are_normalised_float32(encoder: Encoder) -> None:
    passages = encoder.embed_passages(["Die Hundesteuer wird jährlich erhoben.", "Müllabfuhr"])
    assert passages.shape == (2, encoder.dim)
    assert passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    query = encoder.embed_query("Wann wird die Hundesteuer fällig?")
    assert query.shape == (encoder.dim,)
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-4


def test_german_query_prefers_relevant_passage(encoder: Encoder) -> None:
    relevant, unrelated = encoder.embed_passages(
        [
            "Die Hundesteuer ist jeweils zum 1. Juli eines Jahres fällig und wird "
            "durch Steuerbescheid festgesetzt.",
            "Der Gemeinderat hat den Bebauungsplan für das Gewerbegebiet Süd beschlossen.",
        ]
    )
    query = encoder.embed_query("Wann muss ich die Hundesteuer bezahlen?")
    assert float(relevant @ query) > float(unrelated @ query) + 0.05
