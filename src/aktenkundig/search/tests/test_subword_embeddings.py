"""search.embedding.SubwordEmbeddings: the e5 input rows other apps borrow (privacy NER)."""

import numpy as np

from aktenkundig.search.embedding import SubwordEmbeddings


def test_rows_are_the_pretrained_embeddings_of_the_pieces():
    emb = SubwordEmbeddings()
    ids = emb.piece_ids("Verwaltungsgericht")
    assert len(ids) > 1  # a long compound is split into several pieces
    rows = emb.rows(ids)
    assert rows.shape == (len(ids), emb.dim) and rows.dtype == np.float32
    # Same id, same row; different pieces, different rows (nothing is zeroed).
    assert np.array_equal(emb.rows([ids[0]])[0], rows[0])
    assert np.abs(rows[0] - rows[1]).max() > 0
    # Pretrained similarity: two surnames are closer than a surname and a verb.
    mueller, schmidt, laufen = (
        emb.rows(emb.piece_ids(w)).mean(0) for w in ("Müller", "Schmidt", "laufen")
    )

    def cos(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    assert cos(mueller, schmidt) > cos(mueller, laufen)
