"""Sentence windows: which texts are embedded, how they are stored and how they rank."""

import numpy as np
import pytest

from aktenkundig.core.services import get_tenant
from aktenkundig.documents.models import Chunk
from aktenkundig.search import index
from aktenkundig.search.models import VECTOR_DIM, ChunkVector
from aktenkundig.search.services import embed_pending, pending_chunks
from aktenkundig.search.tests.helpers import make_collection, make_document

pytestmark = pytest.mark.django_db(transaction=True)

FIVE = (
    "Die Hundesteuer beträgt 120 Euro im Jahr. Für einen zweiten Hund sind es 240 Euro. "
    "Blindenführhunde sind befreit. Die Steuer ist jährlich im Juli fällig. "
    "Wer den Hund abmeldet, zahlt anteilig."
)


def _unit(*hot: tuple[int, float]) -> np.ndarray:
    """A unit vector whose cosine with axis i is the given value (rest on axis 383)."""
    v = np.zeros(VECTOR_DIM, dtype=np.float32)
    for axis, value in hot:
        v[axis] = value
    v[VECTOR_DIM - 1] = np.sqrt(max(0.0, 1 - float(np.sum(v * v))))
    return v


@pytest.fixture
def chunks():
    tenant = get_tenant()
    collection = make_collection(tenant, "Satzungen")
    make_document(
        collection,
        "Hundesteuersatzung",
        [("§ 5 Steuersatz", FIVE), ("§ 1 Geltung", "Diese Satzung gilt im Gemeindegebiet.")],
    )
    return tenant, collection, list(Chunk.objects.order_by("ordinal").select_related("document"))


def test_windows_are_pairs_of_sentences_with_the_header(chunks):
    _tenant, _collection, (long, short) = chunks
    windows = index.window_texts(long)
    header = "Hundesteuersatzung > § 5 Steuersatz\n"
    assert windows == [
        header + "Die Hundesteuer beträgt 120 Euro im Jahr. "
        "Für einen zweiten Hund sind es 240 Euro.",
        header + "Blindenführhunde sind befreit. Die Steuer ist jährlich im Juli fällig.",
        # an odd last sentence is paired with the one before
        header + "Die Steuer ist jährlich im Juli fällig. Wer den Hund abmeldet, zahlt anteilig.",
    ]
    # one or two sentences: the chunk's own vector is its only window
    assert index.window_texts(short) == []


def test_line_breaks_end_a_window_sentence(chunks):
    _tenant, _collection, (long, _short) = chunks
    long.text = "Gebühren\nAnmeldung 10 Euro\nAbmeldung 5 Euro"
    assert [w.split("\n", 1)[1] for w in index.window_texts(long)] == [
        "Gebühren Anmeldung 10 Euro",
        "Anmeldung 10 Euro Abmeldung 5 Euro",
    ]


def test_a_chunk_ranks_by_its_best_window(chunks):
    tenant, collection, (long, short) = chunks
    query = _unit((0, 1.0))
    # the short chunk is closer as a whole (0.5) than the long one (0.4) ...
    vectors = np.stack([_unit((0, 0.4)), _unit((0, 0.5))])
    # ... but one window of the long chunk says exactly what is asked (0.9)
    windows = [np.stack([_unit((0, 0.1)), _unit((0, 0.9)), _unit((1, 1.0))]), np.zeros((0, 384))]
    index.write_vectors([long, short], vectors, "m", windows)
    ranked = index.dense(query, tenant_id=tenant.pk, collection_ids=[collection.pk], model="m",
                         limit=10)  # fmt: skip
    w = index.WINDOW_WEIGHT
    assert [i for i, _ in ranked] == [long.pk, short.pk]
    assert ranked[0][1] == pytest.approx((1 - w) * 0.4 + w * 0.9, abs=1e-5)
    assert ranked[1][1] == pytest.approx(0.5, abs=1e-5)  # no windows: its own cosine


def test_vectors_without_windows_stay_pending_and_rank_by_their_cosine(chunks):
    tenant, collection, (long, short) = chunks
    vectors = np.stack([_unit((0, 0.4)), _unit((0, 0.5))])
    index.write_vectors([long, short], vectors, "m")  # an index from before windows
    assert set(pending_chunks(tenant=tenant, model="m")) == {long, short}
    ranked = index.dense(_unit((0, 1.0)), tenant_id=tenant.pk, collection_ids=[collection.pk],
                         model="m", limit=10)  # fmt: skip
    assert [round(s, 4) for _i, s in ranked] == [0.5, 0.4]
    index.write_vectors([long, short], vectors, "m", [np.zeros((0, 384))] * 2)
    assert not pending_chunks(tenant=tenant, model="m").exists()


@pytest.mark.slow
def test_embed_pending_stores_the_windows_vectors(chunks):
    from aktenkundig.search.embedding import get_encoder

    tenant, _collection, (long, short) = chunks
    assert embed_pending(tenant=tenant) == 2
    stored = {v.chunk_id: bytes(v.windows) for v in ChunkVector.objects.all()}
    assert stored[short.pk] == b""
    matrix = np.frombuffer(stored[long.pk], dtype=np.float32).reshape(-1, VECTOR_DIM)
    expected = get_encoder().embed_passages(index.window_texts(long))
    assert matrix.shape == (3, VECTOR_DIM)
    # same texts, same encoder: near-identical (batch padding may move the last digits)
    assert np.all(np.sum(matrix * expected, axis=1) > 0.99)
    assert embed_pending(tenant=tenant) == 0


def test_write_windows_completes_a_pending_row_of_the_same_model_only(chunks):
    tenant, _collection, (long, short) = chunks
    vectors = np.stack([_unit((0, 0.4)), _unit((0, 0.5))])
    index.write_vectors([long, short], vectors, "m")  # first pass: vectors only
    index.write_vectors([short], vectors[1:], "other")  # re-embedded by another model
    assert set(pending_chunks(tenant=tenant, model="m")) == {long, short}
    windows = [np.stack([_unit((1, 0.9)), _unit((2, 0.9))]), np.zeros((0, VECTOR_DIM))]
    index.write_windows([long, short], windows, "m")
    stored = {v.chunk_id: v for v in ChunkVector.objects.all()}
    assert np.frombuffer(bytes(stored[long.pk].windows), dtype=np.float32).shape == (
        2 * VECTOR_DIM,)
    assert stored[short.pk].model == "other" and stored[short.pk].windows is None
    assert list(pending_chunks(tenant=tenant, model="m")) == [short]


@pytest.mark.slow
def test_embed_pending_embeds_all_chunk_vectors_before_any_window(chunks, monkeypatch):
    """Dense search covers a bulk import at the full chunk rate: the windows (twice
    the encoder's work) come in a second pass."""
    from aktenkundig.search import embedding

    real = embedding.get_encoder()
    calls: list[list[str]] = []

    class Recording:
        name = real.name

        def embed_passages(self, texts):
            calls.append(list(texts))
            return real.embed_passages(texts)

    monkeypatch.setattr(embedding, "get_encoder", lambda: Recording())
    tenant, _collection, (long, short) = chunks
    assert embed_pending(tenant=tenant, batch_size=1) == 2
    chunk_texts = {index.index_text(long), index.index_text(short)}
    kinds = ["chunk" if set(texts) <= chunk_texts else "windows" for texts in calls]
    assert kinds == ["chunk", "chunk", "windows"], calls  # the short chunk has no windows
    assert not pending_chunks(tenant=tenant, model=real.name).exists()


def test_candidate_rescoring_agrees_with_the_in_memory_scores(chunks):
    """PostgreSQL rescores the best chunks by cosine with their stored windows; SQLite
    scores all chunks from memory. Both must give the same ranking and scores."""
    tenant, collection, (long, short) = chunks
    rng = np.random.default_rng(7)

    def unit(n):
        v = rng.standard_normal((n, VECTOR_DIM)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    index.write_vectors([long, short], unit(2), "m", [unit(3), np.zeros((0, VECTOR_DIM))])
    query = unit(1)[0]
    scope = {"tenant_id": tenant.pk, "collection_ids": [collection.pk], "model": "m"}
    in_memory = index.dense(query, limit=10, **scope)
    cosine = index._cosine_top(query, scope["tenant_id"], scope["collection_ids"], "m", 300, None)
    rescored = index._with_windows(cosine, query, 10)
    assert [i for i, _ in rescored] == [i for i, _ in in_memory]
    assert np.allclose([s for _, s in rescored], [s for _, s in in_memory], atol=1e-5)
    assert dict(rescored)[long.pk] != pytest.approx(dict(cosine)[long.pk], abs=1e-4)


def test_in_memory_rescoring_picks_each_chunks_own_windows():
    rng = np.random.default_rng(3)
    counts = np.array([0, 3, 1, 0, 5, 2])
    matrix = rng.standard_normal((len(counts), VECTOR_DIM)).astype(np.float32)
    windows = rng.standard_normal((counts.sum(), VECTOR_DIM)).astype(np.float32)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    block = index._Block(0, np.arange(len(counts)) + 100, matrix, windows, offsets)
    query = rng.standard_normal(VECTOR_DIM).astype(np.float32)
    rows = np.array([4, 0, 1, 5])  # any order, some chunks without windows
    cosine = matrix[rows] @ query
    got = block.rescore(rows, cosine, query)
    w = index.WINDOW_WEIGHT
    for position, row in enumerate(rows):
        mine = windows[offsets[row] : offsets[row + 1]] @ query
        expected = cosine[position]
        if len(mine):
            expected = (1 - w) * cosine[position] + w * mine.max()
        assert got[position] == pytest.approx(expected, abs=1e-4)


def test_windows_false_gives_the_chunks_own_cosine(chunks):
    """The assistant's refusal calibration reads dense scores on the cosine scale."""
    tenant, collection, (long, short) = chunks
    vectors = np.stack([_unit((0, 0.4)), _unit((0, 0.5))])
    windows = [np.stack([_unit((0, 0.9)), _unit((0, 0.1))]), np.zeros((0, VECTOR_DIM))]
    index.write_vectors([long, short], vectors, "m", windows)
    scope = {"tenant_id": tenant.pk, "collection_ids": [collection.pk], "model": "m"}
    plain = index.dense(_unit((0, 1.0)), limit=10, windows=False, **scope)
    assert [(i, round(s, 4)) for i, s in plain] == [(short.pk, 0.5), (long.pk, 0.4)]
    mixed = index.dense(_unit((0, 1.0)), limit=10, **scope)
    assert mixed[0][0] == long.pk
