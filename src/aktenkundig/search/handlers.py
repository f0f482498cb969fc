"""Signal receivers: the lexical index is written in the transaction that writes chunks."""

from __future__ import annotations

from typing import Any

from aktenkundig.search import index
from aktenkundig.search.services import index_document


def on_chunks_replaced(sender: Any, document, **kwargs: Any) -> None:
    index_document(document)


def on_document_deleted(sender: Any, document=None, chunk_ids=None, **kwargs: Any) -> None:
    # Deleting chunks already removes their rows (SQLite trigger, PostgreSQL cascade);
    # this also covers a document whose chunks were removed with raw SQL.
    if chunk_ids:
        index.delete_lexical(list(chunk_ids))
