"""Hybrid search over a tenant's documents, and keeping the index up to date.

Public API (used by the assistant, the citizen chatbot, the web UI and the CLI):

* ``search(query, *, tenant, collections=None, limit=10, mode="hybrid") -> list[SearchHit]``
* ``index_document(document) -> int`` / ``index_chunks(chunks) -> int`` (lexical, at once)
* ``embed_pending(*, tenant=None, batch_size=32, progress=False) -> int`` (dense, later)
* ``schedule_embeddings()`` (dense, in the background)
* ``reindex(*, tenant=None) -> int``

Lexical search works as soon as chunks are written; their vectors join the ranking
when ``embed_pending`` has run. Chunks without a vector still rank lexically.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
from django.conf import settings
from django.db import connection

from aktenkundig import config
from aktenkundig.core.models import Collection, Tenant
from aktenkundig.documents.models import Chunk, Document
from aktenkundig.search import index
from aktenkundig.search.analyzer import analyzer, highlight

if TYPE_CHECKING:
    from aktenkundig.search.embedding import Encoder

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "bm25", "dense"]

# Fusion: a convex combination of the min-max normalised BM25 and cosine scores of each
# candidate list (CombSUM). Against weighted reciprocal rank fusion (the previous method,
# k = 20, dense weight 1.25) it keeps how *far* apart the candidates are, not only their
# order: XQuAD-de R@1 0.924 -> 0.945, RAGSource dev unchanged within noise
# (bench/retrieval.py --tune, 2-fold cross-validated; docs/benchmarks.md).
DENSE_WEIGHT = 0.6  # share of the dense score; BM25 gets 1 - DENSE_WEIGHT
CANDIDATES = 100  # depth of each list that goes into the fusion
QUERY_CACHE_SIZE = 2048  # query embeddings kept (384 float32 = 1.5 kB each)


@dataclass(frozen=True)
class SearchHit:
    chunk_id: int
    document_id: int
    document_title: str
    source_path: str
    section: str
    page: int | None
    text: str
    score: float
    collection_id: int
    access_level: int  # effective level of the document
    query_terms: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def highlighted(self) -> str:
        """``text`` with the query's terms wrapped in «» (CLI); plain text is in ``text``.

        Computed on first access: it re-analyses the passage (~0.35 ms per hit), which
        the assistant and the citizen chatbot never need.
        """
        return highlight(self.text, self.query_terms)


class SearchError(ValueError):
    """Bad search input (message is user-facing, German)."""


def _scope(tenant: Tenant, collections: Sequence[Collection] | None) -> list[int]:
    if collections is None:
        return list(Collection.objects.filter(tenant=tenant).values_list("id", flat=True))
    ids = [c.pk for c in collections]
    if any(c.tenant_id != tenant.pk for c in collections):
        raise SearchError("Die Sammlung gehört zu einem anderen Mandanten.")
    return ids


def _normalised(ranked: Sequence[tuple[int, float]]) -> dict[int, float]:
    """Min-max scaled scores of one candidate list: best 1, last candidate 0."""
    if not ranked:
        return {}
    scores = [score for _i, score in ranked]
    high, low = max(scores), min(scores)
    if high == low:
        return {chunk_id: 1.0 for chunk_id, _ in ranked}
    return {chunk_id: (score - low) / (high - low) for chunk_id, score in ranked}


def fuse(
    lexical: Sequence[tuple[int, float]],
    semantic: Sequence[tuple[int, float]],
    unembedded: set[int] = frozenset(),  # type: ignore[assignment]
    *,
    dense_weight: float = DENSE_WEIGHT,
) -> list[tuple[int, float]]:
    """(chunk id, fused score in [0, 1]) best first, from the BM25 and dense candidates.

    A candidate missing from one list scores 0 there (it ranked below that list's last
    candidate). A chunk that has no vector yet cannot be in the dense list; it is given
    its lexical score there too, so that a fresh upload is not pushed down by older,
    embedded chunks while its vectors are computed.
    """
    bm25 = _normalised(lexical)
    cosine = _normalised(semantic)
    for chunk_id in unembedded:
        if chunk_id in bm25:
            cosine[chunk_id] = bm25[chunk_id]
    scores = {
        chunk_id: (1 - dense_weight) * bm25.get(chunk_id, 0.0)
        + dense_weight * cosine.get(chunk_id, 0.0)
        for chunk_id in bm25.keys() | cosine.keys()
    }
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def search(
    query: str,
    *,
    tenant: Tenant,
    collections: Sequence[Collection] | None = None,
    limit: int = 10,
    mode: Mode = "hybrid",
    documents: Sequence[Document] | None = None,
    windows: bool = True,
) -> list[SearchHit]:
    """The best passages for ``query`` in ``collections`` (None: all of the tenant's);
    with ``documents``, only in those documents ("nur in diesem Dokument").

    ``windows=False``: dense scores are the chunks' own cosine, without their sentence
    windows (``index.dense``), for callers calibrated on that scale."""
    if mode not in ("hybrid", "bm25", "dense"):
        raise SearchError(f"Unbekannter Suchmodus {mode!r}: hybrid, bm25 oder dense.")
    if limit < 1:
        return []
    query = (query or "").strip()
    if not query:
        return []
    collection_ids = _scope(tenant, collections)
    if not collection_ids:
        return []
    document_ids = None
    if documents is not None:
        if any(d.tenant_id != tenant.pk for d in documents):
            raise SearchError("Das Dokument gehört zu einem anderen Mandanten.")
        document_ids = [d.pk for d in documents if d.collection_id in collection_ids]
        if not document_ids:
            return []
    terms = analyzer().query_terms(query)
    depth = max(CANDIDATES, limit)
    lexical: list[tuple[int, float]] = []
    semantic: list[tuple[int, float]] = []
    if mode in ("hybrid", "bm25"):
        lexical = index.bm25(
            terms, tenant_id=tenant.pk, collection_ids=collection_ids, limit=depth,
            document_ids=document_ids,
        )
    model = ""
    if mode in ("hybrid", "dense"):
        semantic, model = _dense(query, tenant.pk, collection_ids, depth, document_ids, windows)
    if mode == "bm25":
        ranked = lexical[:limit]
    elif mode == "dense":
        ranked = semantic[:limit]
    elif not semantic:
        ranked = lexical[:limit]
    else:
        ranked = fuse(lexical, semantic, index.without_vectors([i for i, _ in lexical], model))
        ranked = ranked[:limit]
    return _hits(ranked, terms, tenant)


def _dense(
    query: str, tenant_id: int, collection_ids: list[int], depth: int,
    document_ids: list[int] | None = None,
    windows: bool = True,
):
    """(ranked (id, similarity), encoder name); nothing while no vector exists."""
    from aktenkundig.search.embedding import get_encoder

    if not index.has_vectors(tenant_id, collection_ids):
        return [], ""
    encoder = get_encoder()
    vector = query_vector(encoder, query)
    ranked = index.dense(
        vector, tenant_id=tenant_id, collection_ids=collection_ids, model=encoder.name,
        limit=depth, document_ids=document_ids, windows=windows,
    )
    return ranked, encoder.name


_query_vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_query_vectors_lock = threading.Lock()


def query_vector(encoder: Encoder, query: str) -> np.ndarray:
    """The query's embedding, from a per-process LRU cache (key: model name and query).

    Embedding the query is most of a hybrid query's time on a CPU; repeated queries
    (paging, the assistant asking again, popular citizen questions) skip the encoder.
    """
    key = (encoder.name, query)
    with _query_vectors_lock:
        vector = _query_vectors.get(key)
        if vector is not None:
            _query_vectors.move_to_end(key)
            return vector
    vector = np.asarray(encoder.embed_query(query), dtype=np.float32)
    vector.setflags(write=False)  # shared between callers
    with _query_vectors_lock:
        _query_vectors[key] = vector
        while len(_query_vectors) > QUERY_CACHE_SIZE:
            _query_vectors.popitem(last=False)
    return vector


def _hits(ranked: Sequence[tuple[int, float]], terms: list[str], tenant: Tenant) -> list[SearchHit]:
    chunks = (
        Chunk.objects.filter(tenant=tenant, pk__in=[i for i, _ in ranked])
        .select_related("document", "document__collection")
        .order_by()
    )
    by_id = {c.pk: c for c in chunks}
    query_terms = tuple(terms)
    hits = []
    for chunk_id, score in ranked:
        chunk = by_id.get(chunk_id)
        if chunk is None:  # deleted between ranking and loading
            continue
        document = chunk.document
        hits.append(
            SearchHit(
                chunk_id=chunk.pk,
                document_id=document.pk,
                document_title=document.title,
                source_path=document.source_path,
                section=chunk.section,
                page=chunk.page,
                text=chunk.text,
                score=round(float(score), 6),
                collection_id=chunk.collection_id,
                access_level=document.effective_access_level,
                query_terms=query_terms,
            )
        )
    return hits


# --------------------------------------------------------------------------- indexing


def index_chunks(chunks: Iterable[Chunk]) -> int:
    """Write the lexical index for ``chunks`` (document loaded, or it is fetched)."""
    chunks = list(chunks)
    return index.write_lexical(chunks)


def index_document(document: Document) -> int:
    """(Re)index all chunks of ``document``; old chunks' rows went with the chunks."""
    return index.write_lexical(document.chunks.select_related("document"))


def reindex(*, tenant: Tenant | None = None, batch_size: int = 500) -> int:
    """Rebuild the lexical index (after an analyzer change)."""
    chunks = Chunk.objects.select_related("document").order_by("pk")
    if tenant is not None:
        chunks = chunks.filter(tenant=tenant)
    done = 0
    batch: list[Chunk] = []
    for chunk in chunks.iterator(chunk_size=batch_size):
        batch.append(chunk)
        if len(batch) >= batch_size:
            done += index.write_lexical(batch)
            batch = []
    return done + index.write_lexical(batch)


def pending_chunks(*, tenant: Tenant | None = None, model: str):
    """Chunks without a vector from ``model``, or without their sentence windows'
    vectors (indexes from before windows: ``embed_pending`` brings them up to date)."""
    chunks = Chunk.objects.exclude(vector__model=model, vector__windows__isnull=False)
    if tenant is not None:
        chunks = chunks.filter(tenant=tenant)
    return chunks


def embed_pending(
    *, tenant: Tenant | None = None, batch_size: int = 32, progress: bool = False
) -> int:
    """Compute missing vectors (synchronously); returns how many were stored."""
    from aktenkundig.search.embedding import ProcessPoolEncoder, bulk_processes, get_encoder

    encoder = get_encoder()
    total = pending_chunks(tenant=tenant, model=encoder.name).count()
    if not total:
        return 0
    processes = bulk_processes(total)
    if processes > 1:
        # A bulk job: one single-threaded process per core (see ProcessPoolEncoder).
        pool = ProcessPoolEncoder(processes, config.data_dir() / "models")
        try:
            return _embed_batches(pool, tenant, max(batch_size, 32 * processes), progress)
        finally:
            pool.close()
    return _embed_batches(encoder, tenant, batch_size, progress)


def _embed_batches(encoder, tenant, batch_size: int, progress: bool) -> int:
    """Two passes: first every pending chunk's own vector, then the sentence windows
    of the chunks that have one. The windows are 3.2 short texts per chunk and
    double the encoder's work (22.4 against 10.5 chunks/s on two quiet cores): in one
    pass, dense search would reach a bulk import at half the speed; this way it
    covers the import at the full chunk rate and the windows refine the ranking
    when they follow (a chunk without windows ranks by its own cosine). Returns how
    many chunks were brought up to date."""
    model = encoder.name

    def batches(query, desc: str):
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=query.count(), unit="Abschnitt", desc=desc)
        last_id = 0
        while batch := list(query.filter(pk__gt=last_id).select_related("document")
                            .order_by("pk")[:batch_size]):
            last_id = batch[-1].pk
            yield batch
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()

    without_vector = Chunk.objects.exclude(vector__model=model)
    without_windows = Chunk.objects.filter(vector__model=model, vector__windows__isnull=True)
    if tenant is not None:
        without_vector = without_vector.filter(tenant=tenant)
        without_windows = without_windows.filter(tenant=tenant)
    for batch in batches(without_vector, "Einbettung"):
        vectors = np.asarray(encoder.embed_passages([index.index_text(c) for c in batch]),
                             dtype=np.float32)
        index.write_vectors(batch, vectors, model)  # windows still pending
    done = 0
    for batch in batches(without_windows, "Satzfenster"):
        done += index.write_windows(batch, embed_windows(encoder, batch), model)
    return done


def index_text(chunk: Chunk) -> str:
    return index.index_text(chunk)


def embed_windows(encoder, chunks: Sequence[Chunk]) -> list[np.ndarray]:
    """Each chunk's sentence windows' vectors, (k, dim) with k = 0 for a chunk too
    short for windows, in one encoder call."""
    per_chunk = [index.window_texts(c) for c in chunks]
    flat = [t for texts in per_chunk for t in texts]
    vectors = (np.asarray(encoder.embed_passages(flat), dtype=np.float32) if flat
               else np.zeros((0, index.VECTOR_DIM), dtype=np.float32))
    windows, start = [], 0
    for texts in per_chunk:
        windows.append(vectors[start : start + len(texts)].reshape(-1, index.VECTOR_DIM))
        start += len(texts)
    return windows


def embed_chunks(encoder, chunks: Sequence[Chunk]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The chunks' vectors and their sentence windows' vectors."""
    vectors = np.asarray(encoder.embed_passages([index.index_text(c) for c in chunks]),
                         dtype=np.float32)
    return vectors, embed_windows(encoder, chunks)


_worker_lock = threading.Lock()
_worker: threading.Thread | None = None
_rerun = threading.Event()


def schedule_embeddings() -> None:
    """Compute missing vectors in the background.

    With a database task queue, a worker process does it (task ``embed_pending_task``).
    In immediate mode (embedded default) one daemon thread of this process does it, so
    that an upload returns at once; a call while it runs makes it go round once more.
    """
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.endswith("ImmediateBackend"):
        from aktenkundig.search.tasks import embed_pending_task

        embed_pending_task.enqueue()
        return
    global _worker
    with _worker_lock:
        _rerun.set()
        if _worker is not None and _worker.is_alive():
            return
        _worker = threading.Thread(target=_background_embed, name="embed-pending", daemon=True)
        _worker.start()


def _background_embed() -> None:
    try:
        while _rerun.is_set():
            _rerun.clear()
            try:
                embed_pending()
            except Exception:
                log.exception("embedding in the background failed")
                return
    finally:
        connection.close()


def wait_for_background_embeddings(timeout: float | None = None) -> None:
    """For tests and the CLI: block until the background thread (if any) is done."""
    worker = _worker
    if worker is not None:
        worker.join(timeout)
