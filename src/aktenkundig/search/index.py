"""Reading and writing the search index: BM25 and dense vectors on SQLite and PostgreSQL.

Both backends rank lexically with the same BM25 (k1 = 1.2, b = 0.75, idf =
ln((N - n + 0.5) / (n + 0.5)), floored at 1e-6, as in SQLite FTS5) over the same
analysed terms. SQLite FTS5 takes N, n and the average length over the whole index;
PostgreSQL over the collections searched. With one tenant and all collections the two
agree exactly; otherwise the scores differ slightly, the filtering never does.

Every query filters by tenant and collections inside the database before ranking.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from aktenkundig.documents.models import Chunk
from aktenkundig.search.analyzer import analyze
from aktenkundig.search.models import VECTOR_DIM, LexicalEntry

K1 = 1.2
B = 0.75
# tsvector positions stop at 16383; longer chunks keep their term counts regardless.
_MAX_POSITION = 16383


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def index_text(chunk: Chunk) -> str:
    """What is indexed for a chunk: document title, section path and text."""
    return f"{chunk.context_header()}\n{chunk.text}"


# Sentence ends: after . ! ? : ; before a capital, digit, "(", "§" or an opening quote;
# and every line break (list items, table rows, headings are units of their own).
# Crude on purpose ("am 1. Juli" is split too): only the windows' boundaries depend
# on it, and this is the splitter the benchmark numbers were measured with.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?:;])\s+(?=[A-ZÄÖÜ0-9(§\"„])|\n+")


def window_texts(chunk: Chunk) -> list[str]:
    """The chunk's sentence windows embedded besides the whole chunk ("passage: " texts).

    Why: one vector for a 120–220-word chunk blurs it; a short question matches one or
    two of its sentences. Dense ranking scores a chunk by its own cosine *and* by its
    best window (``dense``). Windows are non-overlapping pairs of sentences (a last
    single sentence is paired with the one before), each with the chunk's title and
    section path in front, as the chunk itself. A chunk of at most two sentences has no
    windows: its own vector already is its only window. Pairs of sentences, not single
    ones, and stride 2 rather than 1: as good on held-out halves of both benchmarks and
    40 % fewer vectors than stride 1 (docs/benchmarks.md "Retrieval").
    """
    header = chunk.context_header()
    return [f"{header}\n{' '.join(pair)}" for pair in window_sentences(chunk.text)]


def window_sentences(text: str) -> list[list[str]]:
    """The sentences of each sentence window of a chunk with this ``text``, in the order
    of the stored window vectors (``window_texts``); none for two sentences or fewer."""
    sentences = [s.strip() for s in _SENTENCE_BREAK.split(text) if s and s.strip()]
    if len(sentences) <= 2:
        return []
    starts = list(range(0, len(sentences) - 1, 2))
    if len(sentences) % 2:
        starts.append(len(sentences) - 2)
    return [sentences[i : i + 2] for i in starts]


def stored_windows(chunk_ids: Sequence[int], model: str) -> dict[int, np.ndarray]:
    """The stored sentence-window vectors, (k, dim), of those of ``chunk_ids`` whose
    windows ``model`` has computed (k = 0: a chunk too short for windows)."""
    ids = list(dict.fromkeys(int(i) for i in chunk_ids))
    if not ids:
        return {}
    placeholders = ",".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT chunk_id, windows FROM search_chunkvector "  # noqa: S608
            f"WHERE chunk_id IN ({placeholders}) AND model = %s AND windows IS NOT NULL",
            [*ids, model],
        )
        rows = cursor.fetchall()
    return {
        int(chunk_id): np.frombuffer(bytes(blob), dtype=np.float32).reshape(-1, VECTOR_DIM)
        for chunk_id, blob in rows
    }


# --------------------------------------------------------------------------- lexical


def write_lexical(chunks: Iterable[Chunk]) -> int:
    """(Re)index ``chunks`` lexically; call inside the transaction that wrote them."""
    rows = [(c, analyze(index_text(c))) for c in chunks]
    if not rows:
        return 0
    ids = [c.pk for c, _terms in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute("DELETE FROM search_lexicalentry WHERE chunk_id = ANY(%s)", [ids])
            cursor.executemany(
                "INSERT INTO search_lexicalentry "
                "(chunk_id, tenant_id, collection_id, length, terms) "
                "VALUES (%s, %s, %s, %s, %s::tsvector)",
                [
                    (c.pk, c.tenant_id, c.collection_id, len(terms), _tsvector(terms))
                    for c, terms in rows
                ],
            )
        else:
            placeholders = ",".join(["%s"] * len(ids))
            sql = f"DELETE FROM search_fts WHERE rowid IN ({placeholders})"  # noqa: S608
            cursor.execute(sql, ids)
            cursor.executemany(
                "INSERT INTO search_fts (rowid, terms) VALUES (%s, %s)",
                [(c.pk, " ".join(terms)) for c, terms in rows],
            )
    return len(rows)


def delete_lexical(chunk_ids: Sequence[int]) -> None:
    """Drop index rows (deleting chunks does this by itself: trigger / cascade)."""
    if not chunk_ids:
        return
    if _is_postgres():
        LexicalEntry.objects.filter(chunk_id__in=chunk_ids).delete()
    else:
        with connection.cursor() as cursor:
            placeholders = ",".join(["%s"] * len(chunk_ids))
            cursor.execute(
                f"DELETE FROM search_fts WHERE rowid IN ({placeholders})",  # noqa: S608
                list(chunk_ids),
            )


def _tsvector(terms: Sequence[str]) -> str:
    positions: dict[str, list[int]] = {}
    for position, term in enumerate(terms, start=1):
        positions.setdefault(term, []).append(min(position, _MAX_POSITION))
    return " ".join(
        "'{}':{}".format(term.replace("\\", "\\\\").replace("'", "''"), ",".join(map(str, p)))
        for term, p in positions.items()
    )


def bm25(
    terms: Sequence[str],
    *,
    tenant_id: int,
    collection_ids: Sequence[int],
    limit: int,
    document_ids: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """(chunk id, BM25 score) best first, among the tenant's given collections
    (and, with ``document_ids``, only chunks of those documents)."""
    terms = [t for t in dict.fromkeys(terms) if t]
    if not terms or not collection_ids or document_ids == []:
        return []
    with connection.cursor() as cursor:
        if _is_postgres():
            sql = _PG_BM25
            if document_ids is not None:
                sql = sql.replace("%(collections)s)\n", "%(collections)s)\n" + _PG_DOCUMENTS)
            cursor.execute(sql, {
                "terms": terms, "tsquery": " | ".join(f"'{t}'" for t in terms),
                "tenant": tenant_id, "collections": list(collection_ids), "limit": limit,
                "k1": K1, "b": B, "documents": list(document_ids or []),
            })  # fmt: skip
        else:
            match = " OR ".join(f'"{t}"' for t in terms)
            placeholders = ",".join(["%s"] * len(collection_ids))
            params = [match, tenant_id, *collection_ids]
            documents = ""
            if document_ids is not None:
                marks = ",".join(["%s"] * len(document_ids))
                documents = f" AND c.document_id IN ({marks})"
                params += list(document_ids)
            cursor.execute(
                _SQLITE_BM25.format(placeholders=placeholders, documents=documents),
                [*params, limit],
            )
        return [(int(chunk_id), float(score)) for chunk_id, score in cursor.fetchall()]


# Only "%s" placeholders are formatted into these queries; values are parameters.
_SQLITE_BM25 = (
    "SELECT f.rowid, -bm25(search_fts) AS score FROM search_fts f "
    "JOIN documents_chunk c ON c.id = f.rowid "
    "WHERE search_fts MATCH %s AND c.tenant_id = %s AND c.collection_id IN ({placeholders})"
    "{documents} ORDER BY bm25(search_fts) LIMIT %s"
)
# Kept up to date by triggers on search_chunkvector (migration 0003): no row, no vectors.
_SQLITE_VERSIONS = (
    "SELECT collection_id, token FROM search_vectorversion WHERE collection_id IN ({placeholders})"
)

_PG_DENSE = (
    "SELECT chunk_id, 1 - (embedding <=> %s::vector) AS score "
    "FROM search_chunkvector WHERE tenant_id = %s AND collection_id = ANY(%s) "
    "AND model = %s AND embedding IS NOT NULL {documents}"
    "ORDER BY embedding <=> %s::vector LIMIT %s"
)
# One document only ("nur in diesem Dokument"): statistics over that document's chunks.
_PG_DOCUMENTS = (
    "    AND chunk_id IN "
    "(SELECT id FROM documents_chunk WHERE document_id = ANY(%(documents)s))\n"
)

# BM25 from the tsvector's own term frequencies (positions per lexeme); the GIN index
# finds the candidates, df/N/avgdl are taken over the collections searched.
_PG_BM25 = """
WITH scope AS (
    SELECT chunk_id, length, terms FROM search_lexicalentry
    WHERE tenant_id = %(tenant)s AND collection_id = ANY(%(collections)s)
), stats AS (
    SELECT count(*)::float AS n, greatest(avg(length), 1)::float AS avgdl FROM scope
), hits AS (
    SELECT s.chunk_id, s.length, u.lexeme, coalesce(array_length(u.positions, 1), 1) AS tf
    FROM scope s, unnest(s.terms) u
    WHERE s.terms @@ %(tsquery)s::tsquery AND u.lexeme = ANY(%(terms)s)
), df AS (
    SELECT lexeme, count(*)::float AS n FROM hits GROUP BY lexeme
)
SELECT h.chunk_id,
       sum(greatest(ln((stats.n - df.n + 0.5) / (df.n + 0.5)), 1e-6)
           * h.tf * (%(k1)s + 1)
           / (h.tf + %(k1)s * (1 - %(b)s + %(b)s * h.length / stats.avgdl))) AS score
FROM hits h JOIN df ON df.lexeme = h.lexeme CROSS JOIN stats
GROUP BY h.chunk_id
ORDER BY score DESC, h.chunk_id
LIMIT %(limit)s
"""


# --------------------------------------------------------------------------- dense


def write_vectors(
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    model: str,
    windows: Sequence[np.ndarray | None] | None = None,
) -> int:
    """Store one vector per chunk, and its sentence windows' vectors (``window_texts``:
    one (k, dim) array per chunk, k = 0 for a chunk without windows; None: not
    computed, the chunk stays pending for ``embed_pending``); chunks deleted meanwhile
    are skipped."""
    if len(chunks) != len(vectors):
        raise ValueError("one vector per chunk")
    if vectors.shape[1] != VECTOR_DIM:
        raise ValueError(
            f"Das Embedding-Modell liefert {vectors.shape[1]} Dimensionen, der Index "
            f"erwartet {VECTOR_DIM}."
        )
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if windows is None:
        windows = [None] * len(chunks)
    if len(windows) != len(chunks):
        raise ValueError("one window array (or None) per chunk")
    blobs = [_window_blob(w) for w in windows]
    with transaction.atomic(), connection.cursor() as cursor:
        if _is_postgres():
            cursor.executemany(
                "INSERT INTO search_chunkvector "
                "(chunk_id, tenant_id, collection_id, model, created_at, embedding, windows) "
                "SELECT %s, %s, %s, %s, now(), %s::vector, %s "
                "WHERE EXISTS (SELECT 1 FROM documents_chunk WHERE id = %s) "
                "ON CONFLICT (chunk_id) DO UPDATE SET model = EXCLUDED.model, "
                "embedding = EXCLUDED.embedding, windows = EXCLUDED.windows, "
                "created_at = EXCLUDED.created_at",
                [
                    (c.pk, c.tenant_id, c.collection_id, model,
                     "[" + ",".join(f"{x:.7g}" for x in v) + "]", w, c.pk)
                    for c, v, w in zip(chunks, vectors, blobs, strict=True)
                ],
            )  # fmt: skip
        else:
            cursor.executemany(
                "INSERT OR REPLACE INTO search_chunkvector "
                "(chunk_id, tenant_id, collection_id, model, created_at, embedding, windows) "
                "SELECT %s, %s, %s, %s, datetime('now'), %s, %s "
                "WHERE EXISTS (SELECT 1 FROM documents_chunk WHERE id = %s)",
                [
                    (c.pk, c.tenant_id, c.collection_id, model, v.tobytes(), w, c.pk)
                    for c, v, w in zip(chunks, vectors, blobs, strict=True)
                ],
            )
    _matrix_cache.clear_collections({c.collection_id for c in chunks})
    return len(chunks)


def write_windows(chunks: Sequence[Chunk], windows: Sequence[np.ndarray], model: str) -> int:
    """Store the sentence windows' vectors of chunks whose own vector from ``model``
    is stored already (the second pass of ``embed_pending``); a row re-embedded by
    another model meanwhile, or deleted, is left alone. Returns the rows written."""
    if len(windows) != len(chunks):
        raise ValueError("one window array per chunk")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE search_chunkvector SET windows = %s WHERE chunk_id = %s AND model = %s",
            [(_window_blob(w), c.pk, model) for c, w in zip(chunks, windows, strict=True)],
        )
    _matrix_cache.clear_collections({c.collection_id for c in chunks})
    return len(chunks)


def _window_blob(windows: np.ndarray | None) -> bytes | None:
    if windows is None:
        return None
    windows = np.ascontiguousarray(windows, dtype=np.float32).reshape(-1, VECTOR_DIM)
    return windows.tobytes()


# Dense score of a chunk: WINDOW_WEIGHT x its best sentence window's cosine (its own
# cosine when it has no windows) + (1 - WINDOW_WEIGHT) x its own cosine. Chosen on held-
# out halves of RAGSource dev and XQuAD-de (0.75 of {0, .25, .5, .75, 1}: best or tied
# on both). Windows are scored for the RERANK_DEPTH best chunks by their own cosine (at
# least 3 x the requested depth): rescoring all chunks changed no ranking on either
# benchmark beyond the best 200.
WINDOW_WEIGHT = 0.75
RERANK_DEPTH = 300


def _with_windows(
    ranked: list[tuple[int, float]], query_vector: np.ndarray, limit: int
) -> list[tuple[int, float]]:
    """Rescore candidates (chunk id, cosine) best first by their sentence windows."""
    if not ranked:
        return []
    ids = [i for i, _ in ranked]
    best: dict[int, float] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            placeholders = ",".join(["%s"] * len(part))
            cursor.execute(
                "SELECT chunk_id, windows FROM search_chunkvector "  # noqa: S608
                f"WHERE chunk_id IN ({placeholders}) AND windows IS NOT NULL",
                part,
            )
            for chunk_id, blob in cursor.fetchall():
                blob = bytes(blob)
                if blob:
                    matrix = np.frombuffer(blob, dtype=np.float32).reshape(-1, VECTOR_DIM)
                    best[int(chunk_id)] = float((matrix @ query_vector).max())
    rescored = [
        (i, (1 - WINDOW_WEIGHT) * score + WINDOW_WEIGHT * best.get(i, score))
        for i, score in ranked
    ]
    rescored.sort(key=lambda r: (-r[1], r[0]))
    return rescored[:limit]


@dataclass
class _Block:
    token: int
    ids: np.ndarray
    matrix: np.ndarray
    windows: np.ndarray  # all sentence-window vectors of the block, chunk after chunk
    offsets: np.ndarray  # chunk i's windows are rows offsets[i]:offsets[i + 1]

    def rescore(self, rows: np.ndarray, cosine: np.ndarray, query_vector: np.ndarray):
        """``_with_windows`` in memory: the dense scores of the chunks at ``rows``."""
        counts = self.offsets[rows + 1] - self.offsets[rows]
        has = counts > 0
        if not has.any():
            return cosine
        starts, counts = self.offsets[rows[has]], counts[has]
        # the window rows of those chunks, one after the other
        segment = np.repeat(np.cumsum(counts) - counts, counts)
        gathered = np.repeat(starts, counts) + np.arange(counts.sum()) - segment
        firsts = np.cumsum(counts) - counts
        best = np.maximum.reduceat(self.windows[gathered] @ query_vector, firsts)
        mixed = cosine.copy()
        mixed[has] = (1 - WINDOW_WEIGHT) * cosine[has] + WINDOW_WEIGHT * best
        return mixed


class _MatrixCache:
    """Per collection: the chunk ids and the (n, dim) float32 matrix of its vectors.

    Each query reads the collections' version tokens (one primary-key lookup each; the
    triggers of migration 0003 change a token on every vector insert, update or delete,
    whoever writes), and reloads a collection whose token changed. The token is read
    before the vectors, so a write in between only causes one more reload later.
    """

    def __init__(self) -> None:
        self._blocks: dict[tuple[str, int, str], _Block] = {}
        self._lock = threading.Lock()

    def clear_collections(self, collection_ids: Iterable[int]) -> None:
        wanted = set(collection_ids)
        with self._lock:
            for key in [k for k in self._blocks if k[1] in wanted]:
                del self._blocks[key]

    def blocks(self, tenant_id: int, collection_ids: Sequence[int], model: str) -> list[_Block]:
        placeholders = ",".join(["%s"] * len(collection_ids))
        with connection.cursor() as cursor:
            cursor.execute(_SQLITE_VERSIONS.format(placeholders=placeholders), list(collection_ids))
            tokens = cursor.fetchall()
        db = str(connection.settings_dict["NAME"])
        out = []
        for collection_id, token in tokens:
            key = (db, int(collection_id), model)
            with self._lock:
                block = self._blocks.get(key)
            if block is None or block.token != token:
                block = self._load(tenant_id, int(collection_id), model, int(token))
                with self._lock:
                    self._blocks[key] = block
            out.append(block)
        return out

    @staticmethod
    def _load(tenant_id: int, collection_id: int, model: str, token: int) -> _Block:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT chunk_id, embedding, windows FROM search_chunkvector "
                "WHERE tenant_id = %s AND collection_id = %s AND model = %s ORDER BY chunk_id",
                [tenant_id, collection_id, model],
            )
            rows = cursor.fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
        counts = [len(r[2] or b"") // (4 * VECTOR_DIM) for r in rows]
        windows = np.frombuffer(b"".join(r[2] or b"" for r in rows), dtype=np.float32)
        offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)
        return _Block(
            token, ids, matrix.reshape(len(rows), VECTOR_DIM),
            windows.reshape(-1, VECTOR_DIM), offsets,
        )  # fmt: skip


_matrix_cache = _MatrixCache()


def has_vectors(tenant_id: int, collection_ids: Sequence[int]) -> bool:
    """Whether any chunk in scope has a vector yet (no encoder is loaded otherwise)."""
    from aktenkundig.search.models import ChunkVector

    return ChunkVector.objects.filter(
        tenant_id=tenant_id, collection_id__in=list(collection_ids)
    ).exists()


def without_vectors(chunk_ids: Sequence[int], model: str) -> set[int]:
    """Those of ``chunk_ids`` that have no vector from ``model`` yet."""
    from aktenkundig.search.models import ChunkVector

    have = set(
        ChunkVector.objects.filter(chunk_id__in=list(chunk_ids), model=model).values_list(
            "chunk_id", flat=True
        )
    )
    return set(chunk_ids) - have


def dense(
    query_vector: np.ndarray,
    *,
    tenant_id: int,
    collection_ids: Sequence[int],
    model: str,
    limit: int,
    document_ids: Sequence[int] | None = None,
    windows: bool = True,
) -> list[tuple[int, float]]:
    """(chunk id, dense score) best first, among chunks that have a vector (and, with
    ``document_ids``, only chunks of those documents). The score mixes the chunk's
    cosine with its best sentence window's (``_with_windows``); chunks whose windows are
    not computed yet (an index from before windows) rank by their cosine alone. With
    ``windows=False``: the chunks' own cosine only (the scale the assistant's refusal
    calibration was fitted on, ``assistant/coverage.py``)."""
    if not collection_ids or document_ids == []:
        return []
    query_vector = np.asarray(query_vector, dtype=np.float32).reshape(-1)
    if not windows:
        return _cosine_top(query_vector, tenant_id, collection_ids, model, limit, document_ids)
    depth = max(RERANK_DEPTH, 3 * limit)
    if not _is_postgres():
        # The same rescoring of the best chunks by cosine, from the in-memory cache.
        return _sqlite_dense(
            query_vector, tenant_id, collection_ids, model, limit, document_ids, depth
        )
    return _with_windows(
        _cosine_top(query_vector, tenant_id, collection_ids, model, depth, document_ids),
        query_vector,
        limit,
    )


def _cosine_top(
    query_vector: np.ndarray,
    tenant_id: int,
    collection_ids: Sequence[int],
    model: str,
    limit: int,
    document_ids: Sequence[int] | None,
) -> list[tuple[int, float]]:
    """(chunk id, cosine of the chunk's own vector) best first."""
    if _is_postgres():
        literal = "[" + ",".join(f"{x:.7g}" for x in query_vector) + "]"
        with transaction.atomic(), connection.cursor() as cursor:
            # Filtered HNSW search: keep scanning the graph until enough rows pass the
            # tenant/collection filter (pgvector >= 0.8), instead of filtering a global top-k.
            cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            cursor.execute("SET LOCAL hnsw.ef_search = %s", [max(40, limit)])
            documents, params = "", []
            if document_ids is not None:
                documents = (
                    "AND chunk_id IN (SELECT id FROM documents_chunk WHERE document_id = ANY(%s)) "
                )
                params = [list(document_ids)]
            cursor.execute(
                _PG_DENSE.format(documents=documents),
                [literal, tenant_id, list(collection_ids), model, *params, literal, limit],
            )
            rows = [(int(i), float(s)) for i, s in cursor.fetchall()]
        rows.sort(key=lambda r: -r[1])  # relaxed_order may return near-ties out of order
        return rows
    return _sqlite_dense(query_vector, tenant_id, collection_ids, model, limit, document_ids)


def _sqlite_dense(
    query_vector: np.ndarray,
    tenant_id: int,
    collection_ids: Sequence[int],
    model: str,
    limit: int,
    document_ids: Sequence[int] | None,
    rescore_depth: int = 0,
) -> list[tuple[int, float]]:
    """Top ``limit`` by cosine; with ``rescore_depth``, the best that many chunks of each
    collection by cosine are rescored with their windows first."""
    wanted = None
    if document_ids is not None:
        from aktenkundig.documents.models import Chunk as _Chunk

        wanted = np.fromiter(
            _Chunk.objects.filter(tenant_id=tenant_id, document_id__in=list(document_ids))
            .values_list("id", flat=True),
            dtype=np.int64,
        )
    ids_parts, score_parts = [], []
    for block in _matrix_cache.blocks(tenant_id, collection_ids, model):
        if not len(block.ids):
            continue
        scores = block.matrix @ query_vector
        rows = np.arange(len(block.ids)) if wanted is None else np.flatnonzero(
            np.isin(block.ids, wanted)
        )  # fmt: skip
        if rescore_depth and len(rows) > rescore_depth:
            rows = rows[np.argpartition(-scores[rows], rescore_depth - 1)[:rescore_depth]]
        scores = scores[rows]
        if rescore_depth:
            scores = block.rescore(rows, scores, query_vector)
        ids_parts.append(block.ids[rows])
        score_parts.append(scores)
    if not ids_parts:
        return []
    ids = np.concatenate(ids_parts)
    scores = np.concatenate(score_parts)
    if not len(scores):
        return []
    k = min(limit, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(ids[i]), float(scores[i])) for i in top]
