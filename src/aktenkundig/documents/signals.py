"""Signals other apps use to keep derived data (search indexes) in step with documents.

Both are sent inside the database transaction that changes the document, so a
receiver that writes to the database commits or rolls back together with it.
"""

from django.dispatch import Signal

# sender=Document, document=<Document>: its chunks were just (re)written.
chunks_replaced = Signal()
# sender=Document, document=<Document>: it is about to be deleted (chunks still exist).
document_deleted = Signal()
