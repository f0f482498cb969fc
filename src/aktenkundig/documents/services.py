"""Ingestion: originals in, searchable chunks out.

Every document is written atomically: its row, its chunks and whatever the
receivers of :data:`~aktenkundig.documents.signals.chunks_replaced` write (the
search index) commit together or not at all. Slow work (reading, OCR) happens
before the transaction, so the database is never locked while tesseract runs.
Original files are content-addressed (``<sha256><suffix>``, the suffix taken
from the sniffed format, never from the file name) and are removed only after
the transaction that stopped referring to them has committed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from aktenkundig import config
from aktenkundig.core.models import Collection
from aktenkundig.documents.chunking import (
    DEFAULT_MAX_WORDS,
    DEFAULT_MIN_WORDS,
    ChunkDraft,
    chunk_blocks,
)
from aktenkundig.documents.extract import (
    KINDS,
    Cancelled,
    Extracted,
    ExtractionError,
    OcrLimits,
    detect_kind,
    extract,
    title_from_name,
)
from aktenkundig.documents.models import Chunk, Document, DocumentStatus
from aktenkundig.documents.signals import chunks_replaced, document_deleted

logger = logging.getLogger(__name__)

__all__ = [
    "ExtractionError",
    "IngestReport",
    "IngestResult",
    "delete_document",
    "ingest_file",
    "ingest_paths",
    "process_document",
    "queue_processing",
    "reindex_document",
    "store_upload",
]

NEW, REPLACED, UNCHANGED, FAILED = "new", "replaced", "unchanged", "failed"


@dataclass
class IngestResult:
    path: str
    status: str  # new | replaced | unchanged | failed
    document: Document | None = None
    error: str = ""

    def describe(self) -> str:
        """One line for people, e.g. for the CLI."""
        if self.status == FAILED:
            return f"Fehler: {self.path}: {self.error}"
        label = {NEW: "neu", REPLACED: "ersetzt", UNCHANGED: "unverändert"}[self.status]
        return f"{label}: {self.path}"


@dataclass
class IngestReport:
    results: list[IngestResult] = field(default_factory=list)

    def _with(self, status: str) -> list[IngestResult]:
        return [result for result in self.results if result.status == status]

    @property
    def new(self) -> list[IngestResult]:
        return self._with(NEW)

    @property
    def replaced(self) -> list[IngestResult]:
        return self._with(REPLACED)

    @property
    def unchanged(self) -> list[IngestResult]:
        return self._with(UNCHANGED)

    @property
    def failed(self) -> list[IngestResult]:
        return self._with(FAILED)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"{len(self.new)} neu, {len(self.replaced)} ersetzt, "
            f"{len(self.unchanged)} unverändert, {len(self.failed)} fehlgeschlagen"
        )


# --- helpers --------------------------------------------------------------------------------


def max_bytes() -> int:
    return settings.MAX_UPLOAD_BYTES


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",").replace(",0 MB", " MB")
    return f"{max(1, round(size / 1024))} KB"


def too_large_message(size: int) -> str:
    return (
        f"Die Datei ist zu groß ({_human_size(size)}; erlaubt sind höchstens "
        f"{_human_size(max_bytes())})."
    )


def _chunk_sizes() -> tuple[int, int]:
    return (
        getattr(settings, "CHUNK_MIN_WORDS", DEFAULT_MIN_WORDS),
        getattr(settings, "CHUNK_MAX_WORDS", DEFAULT_MAX_WORDS),
    )


def failure_reason(error: BaseException) -> str:
    """A failure reason for people: one line, bounded (a library's message must never
    carry a file's content into the database or onto a page)."""
    return " ".join(str(error).split())[:500]


def ocr_limits() -> OcrLimits:
    """The operator's OCR limits (pages, pixels, seconds; see parsers.ocr)."""
    return OcrLimits(
        max_pages=config.get_int("AKTENKUNDIG_OCR_MAX_PAGES"),
        max_pixels=config.get_int("AKTENKUNDIG_OCR_MAX_MEGAPIXELS") * 1_000_000,
        page_seconds=config.get_int("AKTENKUNDIG_OCR_PAGE_SECONDS"),
        document_seconds=config.get_int("AKTENKUNDIG_OCR_MAX_SECONDS"),
    )


def _prepare(
    data: bytes, name: str, on_ocr: Callable[[], None] | None = None,
    on_page: Callable[[], None] | None = None,
) -> tuple[Extracted, list[ChunkDraft]]:
    """Extract and chunk (pure and slow: runs outside any transaction)."""
    extracted = extract(
        data, name, ocr_languages=config.get("AKTENKUNDIG_OCR_LANGUAGES"), on_ocr=on_ocr,
        ocr_limits=ocr_limits(), on_page=on_page,
    )
    extracted.title = extracted.title or title_from_name(name)
    min_words, max_words = _chunk_sizes()
    drafts = chunk_blocks(
        extracted.blocks, title=extracted.title, min_words=min_words, max_words=max_words
    )
    if not drafts:
        raise ExtractionError("Kein Text gefunden: die Datei enthält keinen lesbaren Text.")
    return extracted, drafts


def _store_original(data: bytes, sha256: str, kind: str) -> tuple[str, bool]:
    """Save the bytes as ``<sha256><suffix>``; returns (name, whether this call wrote it)."""
    name = f"{sha256}{KINDS[kind][0]}"
    if default_storage.exists(name) and default_storage.size(name) == len(data):
        return name, False
    return default_storage.save(name, ContentFile(data)), True


def _remove_original_if_unused(name: str) -> None:
    """Delete a stored original no document refers to any more (other collections or
    tenants may hold the same bytes under the same content-addressed name)."""
    if not name or Document.objects.filter(original=name).exists():
        return
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("could not remove unused original %s", name, exc_info=True)


def _replace_chunks(document: Document, drafts: list[ChunkDraft]) -> None:
    """Write the chunks and notify the index; must run inside the document's transaction."""
    document.chunks.all().delete()
    Chunk.objects.bulk_create(
        Chunk(
            document=document,
            tenant_id=document.tenant_id,
            collection_id=document.collection_id,
            ordinal=ordinal,
            text=draft.text,
            section=draft.section[:1000],
            page=draft.page,
            char_start=draft.char_start,
            char_end=draft.char_end,
        )
        for ordinal, draft in enumerate(drafts)
    )
    chunks_replaced.send(sender=Document, document=document)


def _apply_metadata(document: Document, extracted: Extracted) -> None:
    document.title = (extracted.title or title_from_name(document.original_name))[:500]
    document.document_date = extracted.date
    document.page_count = extracted.page_count
    document.mime_type = extracted.mime_type
    document.status = DocumentStatus.INDEXED
    document.error = ""


def _delete_in_transaction(document: Document) -> None:
    document_deleted.send(sender=Document, document=document)
    name = document.original.name
    document.delete()
    transaction.on_commit(lambda: _remove_original_if_unused(name))


def _facts(document: Document) -> dict:
    """What the audit chain keeps of a document: identity, never content."""
    return {
        "id": document.pk,
        "name": document.original_name,
        "sha256": document.sha256,
        "uploaded_by": document.uploaded_by_id,
    }


def _audit(document: Document, action: str, *, user=None, system_actor: str = "",
           before: dict | None = None, after: dict | bool | None = True) -> None:
    """Write a data event about ``document`` (inside the caller's transaction)."""
    from aktenkundig.governance.audit import log_data_event

    log_data_event(
        document.tenant, user=user, system_actor=system_actor or ("" if user else "system"),
        action=action,
        details={
            "collection": document.collection_id,
            "before": before,
            "after": _facts(document) if after is True else after,
        },
    )


def _read_bounded(path: Path) -> bytes:
    """The file's bytes, at most the upload limit (a file that grows while read, or
    a device such as /dev/zero behind a link, cannot exhaust memory)."""
    limit = max_bytes()
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ExtractionError(too_large_message(len(data)))
    return data


# --- command-line ingestion -------------------------------------------------------------------


def ingest_file(
    path: str | Path, collection: Collection, *, source_path: str | None = None
) -> IngestResult:
    """Ingest one file. Errors a person can fix come back as a failed result; nothing
    stored before is touched then."""
    path = Path(path)
    source = source_path if source_path is not None else str(path)
    try:
        if not path.exists():
            raise ExtractionError("Datei nicht gefunden.")
        if not path.is_file():
            raise ExtractionError("Keine reguläre Datei.")
        size = path.stat().st_size
        if size > max_bytes():
            raise ExtractionError(too_large_message(size))
        data = _read_bounded(path)
    except ExtractionError as error:
        return IngestResult(source, FAILED, error=failure_reason(error))
    except OSError as error:
        return IngestResult(
            source, FAILED, error=f"Die Datei kann nicht gelesen werden ({error.strerror})."
        )
    sha256 = hashlib.sha256(data).hexdigest()
    same = Document.objects.filter(collection=collection, sha256=sha256).first()
    if same is not None and same.status == DocumentStatus.INDEXED:
        return IngestResult(source, UNCHANGED, same)
    try:
        extracted, drafts = _prepare(data, path.name)
    except ExtractionError as error:
        return IngestResult(source, FAILED, error=failure_reason(error))

    name, wrote_file = _store_original(data, sha256, extracted.kind)
    try:
        with transaction.atomic():
            previous = same or (
                Document.objects.select_for_update()
                .filter(collection=collection, source_path=source)
                .exclude(sha256=sha256)
                .order_by("pk")
                .first()
            )
            document = previous or Document(tenant=collection.tenant, collection=collection)
            old_name = document.original.name if previous is not None else ""
            old_facts = _facts(previous) if previous is not None else None
            document.source_path = source[:1000]
            document.original_name = path.name[:300]
            document.original.name = name
            document.sha256 = sha256
            document.size = len(data)
            _apply_metadata(document, extracted)
            document.save()
            _replace_chunks(document, drafts)
            if previous is not None and previous is not same:
                _audit(document, "document.replaced", system_actor="cli",
                       before=old_facts)
            if old_name and old_name != name:
                transaction.on_commit(lambda: _remove_original_if_unused(old_name))
    except BaseException:
        if wrote_file:
            _remove_original_if_unused(name)
        raise
    status = REPLACED if previous is not None and previous is not same else NEW
    return IngestResult(source, status, document)


def _data_dir() -> Path | None:
    configured = getattr(settings, "DATA_DIR", None)
    return Path(configured).resolve() if configured else None


def _refusal(path: Path, roots: list[Path]) -> str:
    """Why ``path`` must not be read ('' if it may). Links are followed only while
    they stay inside one of ``roots``, and nothing inside the data directory (keys,
    database, originals) is ever read: a link to ``secret_key``, ``audit_key`` or
    /etc/passwd was ingested and downloadable once (issue #10, 4)."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling link, loop
        return "Verknüpfung ohne gültiges Ziel; nicht eingelesen."
    data_dir = _data_dir()
    if data_dir is not None and (real == data_dir or real.is_relative_to(data_dir)):
        return "Liegt im Datenverzeichnis von aktenkundig; wird nie eingelesen."
    if not any(real == root or real.is_relative_to(root) for root in roots):
        return "Verknüpfung zeigt aus dem eingelesenen Ordner heraus; nicht eingelesen."
    return ""


def iter_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """(file, source_path) for every file named or found (recursively, sorted, hidden
    files and folders skipped) in the folders named. A missing path is passed through,
    so that it is reported as failed. Use :func:`iter_files_checked` to also learn
    which files must not be read."""
    return [(file, source) for file, source, _why in iter_files_checked(paths)]


def iter_files_checked(paths: Iterable[str | Path]) -> list[tuple[Path, str, str]]:
    """Like :func:`iter_files`, with a refusal reason per file ('' = may be read).

    Folder links are not descended into (``os.walk`` default); file links are
    read only when their target lies inside the folder given. A file named on
    its own is its own root, so a link named directly is refused when it points
    elsewhere. Nothing under the data directory is read, even when named."""
    found: list[tuple[Path, str, str]] = []
    for given in paths:
        given_text = os.fspath(given)
        root = Path(given_text)
        if not root.is_dir():
            if root.is_symlink() or root.exists():
                why = _refusal(root, [root.resolve()]) if not root.is_symlink() else (
                    _refusal(root, [root.parent.resolve()])
                )
            else:
                why = ""
            found.append((root, given_text, why))
            continue
        if root.is_symlink():
            found.append((root, given_text, "Ordner ist eine Verknüpfung; nicht eingelesen."))
            continue
        real_root = root.resolve()
        data_dir = _data_dir()
        if data_dir is not None and (real_root == data_dir or real_root.is_relative_to(data_dir)):
            found.append((root, given_text,
                          "Liegt im Datenverzeichnis von aktenkundig; wird nie eingelesen."))
            continue
        # A folder that holds the data directory is read without it.
        skip_data_dir = data_dir is not None and data_dir.is_relative_to(real_root)
        for folder, subfolders, files in os.walk(root):
            kept = []
            for name in sorted(subfolders):
                if name.startswith("."):
                    continue
                if skip_data_dir and Path(folder, name).resolve() == data_dir:
                    continue
                kept.append(name)
            subfolders[:] = kept
            if skip_data_dir and Path(folder).resolve() == data_dir:
                continue
            relative = Path(folder).relative_to(root)
            for name in sorted(files):
                if name.startswith("."):
                    continue
                file = Path(folder) / name
                why = _refusal(file, [real_root]) if file.is_symlink() or skip_data_dir else ""
                found.append((file, os.path.join(given_text, *relative.parts, name), why))
    return found


def ingest_paths(
    paths: list[str | Path],
    collection: Collection,
    *,
    progress: bool = False,
    on_error: Callable[[IngestResult], None] | None = None,
) -> IngestReport:
    """Ingest files and folders. Each file commits on its own; a failure is reported
    (``on_error``) and the run goes on."""
    from tqdm import tqdm

    files = iter_files_checked(paths)
    report = IngestReport()
    bar = tqdm(
        files,
        desc="Einlesen",
        unit=" Dateien",
        file=sys.stderr,
        disable=not (progress and sys.stderr.isatty()),
        dynamic_ncols=True,
    )
    for file, source, refusal in bar:
        try:
            if refusal:
                result = IngestResult(source, FAILED, error=refusal)
            else:
                result = ingest_file(file, collection, source_path=source)
        except Exception as error:  # a bug or a database failure: report, go on
            logger.exception("ingesting %s failed", source)
            result = IngestResult(
                source, FAILED, error=f"Interner Fehler ({failure_reason(error)[:300]})."
            )
        report.results.append(result)
        if result.status == FAILED and on_error is not None:
            on_error(result)
    bar.close()
    return report


# --- web uploads --------------------------------------------------------------------------------


def store_upload(uploaded_file, collection: Collection, *, uploaded_by=None) -> Document:
    """Keep an uploaded file (status "queued"); process it with :func:`queue_processing`.

    The format is decided by the bytes, the name is only kept for display. Raises
    :class:`ExtractionError` (German message) for an oversized, empty or unsupported
    file. Uploading bytes the collection already has returns that document.
    """
    raw_name = os.path.basename(str(uploaded_file.name or "").replace("\\", "/"))
    name = raw_name.strip().lstrip(".") or "upload"
    size = uploaded_file.size or 0
    if size > max_bytes():
        raise ExtractionError(too_large_message(size))
    data = b"".join(uploaded_file.chunks())
    if len(data) > max_bytes():
        raise ExtractionError(too_large_message(len(data)))
    kind = detect_kind(data, name)
    sha256 = hashlib.sha256(data).hexdigest()
    same = Document.objects.filter(collection=collection, sha256=sha256).first()
    if same is not None:
        return same
    stored, wrote_file = _store_original(data, sha256, kind)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                tenant=collection.tenant,
                collection=collection,
                title=title_from_name(name)[:500],
                source_path=name[:1000],
                original_name=name[:300],
                original=stored,
                sha256=sha256,
                size=len(data),
                mime_type=KINDS[kind][1],
                status=DocumentStatus.QUEUED,
                uploaded_by=uploaded_by,
            )
            _audit(document, "document.uploaded", user=uploaded_by)
    except BaseException:
        if wrote_file:
            _remove_original_if_unused(stored)
        raise
    return document


_background: ThreadPoolExecutor | None = None
_background_lock = threading.Lock()


def _in_background(document_id: int) -> None:
    from django.db import connections

    from aktenkundig.documents.tasks import process_document_task

    try:
        process_document_task.enqueue(document_id)  # immediate backend: runs here
    except Exception:
        logger.exception("processing document %s failed", document_id)
    finally:
        connections.close_all()


def queue_processing(document: Document) -> None:
    """Process the document in the background once the current transaction commits:
    the database queue (PostgreSQL, ``db_worker``), or in the embedded mode one
    background thread per web process, so that OCR never runs inside the request."""
    global _background
    from aktenkundig.documents.tasks import process_document_task

    document_id = document.pk
    if getattr(settings, "DOCUMENTS_BACKGROUND_THREAD", False):
        with _background_lock:
            if _background is None:
                # One at a time: OCR is CPU-bound, parallel pages only thrash.
                _background = ThreadPoolExecutor(1, thread_name_prefix="aktenkundig-docs")
        executor = _background
        transaction.on_commit(lambda: executor.submit(_in_background, document_id))
    else:
        transaction.on_commit(lambda: process_document_task.enqueue(document_id))


#: Statuses in which a worker is busy with the document.
_WORKING = (DocumentStatus.PROCESSING, DocumentStatus.OCR)
#: Grace beyond the OCR time limit before a silent document counts as abandoned.
STALE_MARGIN_SECONDS = 300


def recover_stale(now=None) -> int:
    """Documents whose worker died (killed, restarted, out of memory) stay "in
    progress" forever unless someone notices: mark those silent for longer than the
    OCR time limit (plus a margin) as failed, with the reason. Returns how many.

    Workers touch ``updated_at`` before every OCR page, so a long but alive job is
    never mistaken for a dead one."""
    from datetime import timedelta

    from django.utils import timezone

    now = now or timezone.now()
    limit = config.get_int("AKTENKUNDIG_OCR_MAX_SECONDS") + STALE_MARGIN_SECONDS
    stale = Document.objects.filter(
        status__in=_WORKING, updated_at__lt=now - timedelta(seconds=limit)
    )
    # Read first: the library polls this every 2 s, and an UPDATE would take
    # SQLite's write lock even when it changes nothing.
    if not stale.exists():
        return 0
    return stale.update(
        status=DocumentStatus.FAILED,
        updated_at=now,
        error="Die Verarbeitung wurde abgebrochen (der Prozess wurde beendet oder gab zu "
        "lange kein Lebenszeichen). Bitte neu einlesen.",
    )


def process_document(document: Document) -> Document:
    """Extract (OCR where needed) and chunk a stored document: status processing/ocr,
    then indexed, or failed with the reason in ``document.error``. An older document
    with the same source path in the collection is replaced."""
    pk = document.pk
    Document.objects.filter(pk=pk).update(status=DocumentStatus.PROCESSING, error="")

    def on_ocr() -> None:
        Document.objects.filter(pk=pk).update(status=DocumentStatus.OCR)

    def on_page() -> None:
        """Before each OCR page: alive (for recover_stale), or stop if deleted."""
        from django.utils import timezone

        if not Document.objects.filter(pk=pk).update(updated_at=timezone.now()):
            raise Cancelled("Das Dokument wurde während der Verarbeitung gelöscht.")

    try:
        with document.original.open("rb") as handle:
            data = handle.read()
        extracted, drafts = _prepare(data, document.original_name, on_ocr, on_page)
    except Cancelled:
        return document
    except (ExtractionError, OSError) as error:
        message = (
            failure_reason(error)
            if isinstance(error, ExtractionError)
            else "Die Originaldatei fehlt oder ist nicht lesbar."
        )
        Document.objects.filter(pk=pk).update(status=DocumentStatus.FAILED, error=message)
        document.refresh_from_db()
        return document
    held = _publication_hold(pk, drafts)
    with transaction.atomic():
        current = Document.objects.select_for_update().filter(pk=pk).first()
        if current is None:  # deleted meanwhile
            return document
        if held:
            # Nothing of it becomes searchable (chunks of an earlier version go too).
            if current.chunks.exists():
                _replace_chunks(current, [])
            Document.objects.filter(pk=pk).update(status=DocumentStatus.REVIEW, error=held)
            current.refresh_from_db()
            return current
        _apply_metadata(current, extracted)
        current.save()
        _replace_chunks(current, drafts)
        # A new upload replaces an older one of the same name only when the same
        # person uploaded both: someone else's document is never overwritten by a
        # file that happens to share its name (issue #10, 1). Both then stay.
        superseded = Document.objects.filter(
            collection_id=current.collection_id,
            source_path=current.source_path,
            uploaded_by_id=current.uploaded_by_id,
        ).exclude(pk=pk)
        for old in superseded:
            _audit(current, "document.replaced", user=current.uploaded_by, before=_facts(old))
            _delete_in_transaction(old)
    return current


def _publication_hold(pk: int, drafts: list[ChunkDraft]) -> str:
    """Why the document must wait for a person before it is published ('' if not):
    it is bound for a public collection and holds personal data (issue #9, 3)."""
    from aktenkundig.documents import publication

    document = Document.objects.select_related("collection", "tenant").filter(pk=pk).first()
    if document is None or not publication.needs_check(document):
        return ""
    counts = publication.personal_data("\n\n".join(d.text for d in drafts), document.tenant)
    if counts == {}:
        return ""
    return publication.hold_reason(counts)


def reindex_document(document: Document) -> Document:
    """Read the stored original again (e.g. after chunking or OCR improved)."""
    return process_document(document)


def delete_document(document: Document, *, user=None, system_actor: str = "") -> None:
    """Delete a document, its chunks and index entries; the original file goes after
    the commit (if no other document holds the same bytes). Audited."""
    with transaction.atomic():
        _audit(document, "document.deleted", user=user, system_actor=system_actor,
               before=_facts(document), after=None)
        _delete_in_transaction(document)
