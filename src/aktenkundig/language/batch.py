"""Translating a whole collection into several languages, in the background.

Why a batch and not a loop over the translate page: the website in ten languages is
hundreds of pages × ten languages, far too long for a request. A batch is started by
a person (who must be allowed to read the collection and to use the language
services on its data level), runs as a django-tasks task with its progress stored, and
ends as ordinary :class:`~language.models.Translation` reviews: nothing is published
before a person approved every segment (services.publish). The translation memory
makes a re-run after a page changed cheap: unchanged segments are not sent again.

Data protection, before anything is queued: the collection's level must be one the
configured backend may receive (privacy routing), and each document is translated at
its own effective level, so a document classified above its collection is refused
for that document, with the reason in the batch's problems.

A re-run of the same batch continues where it stopped (pairs already translated in
this batch are skipped): a worker that died halfway loses nothing.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from aktenkundig.core.models import AccessLevel, Collection, Tenant
from aktenkundig.governance import audit
from aktenkundig.governance.policy import feature_enabled
from aktenkundig.language import services
from aktenkundig.language import translation as tr
from aktenkundig.language.models import Translation, TranslationBatch
from aktenkundig.llm.gateway import LLMError

MAX_DOCUMENTS = 200
NO_BACKEND = ("Für Übersetzungen ist weder ein Sprachmodell noch ein Übersetzungsdienst "
              "eingerichtet; die Verwaltung richtet einen ein (AKTENKUNDIG_LLM_BASE_URL oder "
              "AKTENKUNDIG_TRANSLATE_BACKEND=libretranslate).")
MAX_TARGETS = 10


class BatchError(ValueError):
    """A batch cannot start; the message is for people."""


def _documents(collection: Collection):
    from aktenkundig.documents.models import Document, DocumentStatus

    return Document.objects.filter(tenant=collection.tenant, collection=collection,
                                   status=DocumentStatus.INDEXED).order_by("title", "pk")


def document_text(document: Any) -> str:
    """The document's text as the search index holds it (its chunks in order)."""
    return "\n\n".join(document.chunks.order_by("ordinal").values_list("text", flat=True))


def start(tenant: Tenant, user: Any, collection: Collection, targets: list[str], *,
          title: str = "", enqueue: bool = True) -> TranslationBatch:
    """Check everything that can be checked up front, store the batch and queue it
    (``enqueue=False``: the caller runs it, e.g. the operator command in the
    foreground)."""
    from aktenkundig.accounts.services import can_read_collection
    from aktenkundig.language.tasks import translate_batch_task

    if collection.tenant_id != tenant.pk or (
            user is not None and not can_read_collection(user, collection)):
        raise BatchError("Diese Sammlung gibt es nicht oder Sie dürfen sie nicht lesen.")
    targets = list(dict.fromkeys(t for t in targets if t))
    unknown = [t for t in targets if t not in tr.LANGUAGES or t == "de"]
    if not targets or unknown or len(targets) > MAX_TARGETS:
        raise BatchError(f"Bitte 1 bis {MAX_TARGETS} Zielsprachen aus der Liste wählen.")
    # the operator CLI (user None) is audited but passes only the tenant-wide gate
    decision = (services.gate(user, tenant, collection.access_level) if user is not None
                else feature_enabled(tenant, services.FEATURE))
    if not decision:
        raise BatchError(decision.reason)
    try:
        backend = services.translation_backend()
    except LLMError as error:
        raise BatchError(str(error)) from error
    if not getattr(backend, "configured", True):
        raise BatchError(NO_BACKEND)
    if int(collection.access_level) > int(backend.max_level):
        raise BatchError(
            f"{backend.label} ist nicht für Daten der Schutzstufe "
            f"„{AccessLevel(int(collection.access_level)).label}“ freigegeben.")
    count = _documents(collection).count()
    if count == 0:
        raise BatchError("Die Sammlung enthält noch keine durchsuchbaren Dokumente.")
    if count > MAX_DOCUMENTS:
        raise BatchError(f"Die Sammlung hat {count} Dokumente; ein Stapel nimmt höchstens "
                         f"{MAX_DOCUMENTS}.")
    with transaction.atomic():
        batch = TranslationBatch.objects.create(
            tenant=tenant, collection=collection, targets=targets, created_by=user,
            title=(title.strip() or collection.name)[:300], total=count * len(targets))
        details = {"batch": batch.pk, "collection": collection.pk, "targets": targets,
                   "documents": count}
        if user is not None:
            audit.log_human_action(tenant, user=user, action="language.batch_started",
                                   feature=services.FEATURE, details=details)
        else:
            audit.log_data_event(tenant, system_actor="cli", action="language.batch_started",
                                 details=details)
    if enqueue:
        transaction.on_commit(lambda: translate_batch_task.enqueue(batch.pk))
    return batch


def run(batch: TranslationBatch) -> TranslationBatch:
    """Translate every (document, language) pair not yet done in this batch."""
    batch.status = TranslationBatch.Status.RUNNING
    batch.save(update_fields=["status"])
    user = batch.created_by
    done_pairs = set(batch.translations.values_list("document_id", "target_lang"))
    problems = list(batch.problems)
    for document in _documents(batch.collection)[:MAX_DOCUMENTS]:
        text = document_text(document)
        level = document.effective_access_level
        for target in batch.targets:
            if (document.pk, target) in done_pairs:
                continue
            try:
                if level > batch.collection.access_level:
                    raise tr.TranslationRefused(
                        "Das Dokument ist höher eingestuft als die Sammlung.")
                result = services.translate(text, target=target, tenant=batch.tenant,
                                            user=user, data_level=level, channel="batch")
            except Exception as error:  # one document must not stop the batch
                problems.append({"document": document.title[:200], "target": target,
                                 "reason": " ".join(str(error).split())[:300]})
            else:
                services.create_review(result, tenant=batch.tenant, source_text=text,
                                       title=document.title, user=user, data_level=level,
                                       batch=batch, document=document)
            batch.done = min(batch.total, batch.done + 1)
            batch.problems = problems
            batch.save(update_fields=["done", "problems"])
    batch.status = TranslationBatch.Status.DONE
    batch.finished = timezone.now()
    batch.save(update_fields=["status", "finished"])
    return batch


def export(batch: TranslationBatch, target: str, *, user: Any = None) -> bytes:
    """A ZIP for one language: every *published* translation of the batch as a text
    file (with the note that it was machine-translated and reviewed), and a
    ``manifest.json`` that also lists what is still in review, so a web team sees
    what is missing instead of publishing it."""
    if target not in batch.targets:
        raise BatchError("Diese Sprache gehört nicht zu dem Stapel.")
    items = batch.translations.filter(target_lang=target).order_by("title", "pk")
    published = [t for t in items if t.status == Translation.Status.PUBLISHED]
    manifest = {
        "batch": batch.pk, "title": batch.title, "language": target,
        "language_name": str(tr.LANGUAGES[target]), "note": str(tr.MACHINE_NOTE),
        "published": [], "in_review": [t.title for t in items
                                       if t.status != Translation.Status.PUBLISHED],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, item in enumerate(published, 1):
            name = f"{n:03d}-{slugify(item.title)[:60] or 'dokument'}.{target}.txt"
            archive.writestr(name, item.published_text)
            manifest["published"].append({"file": name, "title": item.title,
                                          "document": item.document_id,
                                          "published": item.published.isoformat()})
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    details = {"batch": batch.pk, "target": target, "published": len(published)}
    if user is not None:
        audit.log_human_action(batch.tenant, user=user, action="language.batch_exported",
                               feature=services.FEATURE, details=details)
    else:
        audit.log_data_event(batch.tenant, system_actor="cli", action="language.batch_exported",
                             details=details)
    return out.getvalue()
