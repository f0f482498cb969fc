"""Search index rows, one per chunk.

The lexical index lives in SQLite FTS5 (virtual table ``search_fts``, rowid = chunk id)
on the embedded default and in ``LexicalEntry.terms`` (a tsvector with a GIN index) on
PostgreSQL. Dense vectors live in ``ChunkVector.embedding``: a float32 BLOB on SQLite,
a pgvector ``vector(384)`` with an HNSW index on PostgreSQL. Those vendor-specific
columns are created by the migration and read and written with SQL in ``index.py``;
Django knows the tables (so flush, cascades and admin work) but not those columns.

``tenant`` and ``collection`` are copied onto every row so that every query filters
on this table alone, before ranking.
"""

from __future__ import annotations

from django.db import models

from aktenkundig.core.models import Collection, Tenant
from aktenkundig.documents.models import Chunk

VECTOR_DIM = 384


class LexicalEntry(models.Model):
    """PostgreSQL only: the chunk's analysed terms (column ``terms tsvector``)."""

    chunk = models.OneToOneField(
        Chunk, on_delete=models.CASCADE, primary_key=True, related_name="lexical_entry"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="+")
    length = models.IntegerField(help_text="number of index terms (BM25 document length)")

    class Meta:
        indexes = [models.Index(fields=["collection", "tenant"])]

    def __str__(self) -> str:
        return f"lexical entry of chunk {self.chunk_id}"


class ChunkVector(models.Model):
    """A chunk's embedding (column ``embedding``), computed after ingestion."""

    chunk = models.OneToOneField(
        Chunk, on_delete=models.CASCADE, primary_key=True, related_name="vector"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=200, help_text="encoder that produced the vector")
    # The vectors of the chunk's sentence windows (index.window_texts), float32, k x dim,
    # one after the other; empty: the chunk has no windows; NULL: not computed yet (rows
    # from before windows), so embed_pending computes them.
    windows = models.BinaryField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Serves the scope filter of every vector query and the SQLite vector cache's
        # per-collection load (the chunk id is the rowid, so it is in the index too).
        indexes = [models.Index(fields=["collection", "tenant", "model"])]

    def __str__(self) -> str:
        return f"{self.model} vector of chunk {self.chunk_id}"
