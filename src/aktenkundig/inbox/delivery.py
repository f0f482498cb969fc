"""Delivery of a decided item to its unit: always the unit's queue in the web app, and
where the unit names one, an external target:

* ``https://…`` (or ``http://`` on loopback): a webhook. The body is the item's export
  (:func:`export`, an xdomea-like JSON document); the header
  ``X-Aktenkundig-Signature: sha256=<hex>`` is an HMAC-SHA256 of the body with the
  webhook secret, so the receiver can tell it came from us and was not changed;
  ``Idempotency-Key`` is fixed per item and target. A failed attempt is retried with
  exponential backoff (:data:`BACKOFF_SECONDS` · 2^(attempt−1), at most
  :data:`MAX_ATTEMPTS` attempts) by :func:`retry_due`.
* a folder path: the export as ``<key>.json`` (written to a temporary name and renamed,
  so a DMS import never reads half a file).

* ``mailto:address``: a mail (``AKTENKUNDIG_INBOX_SMTP_*``) with the export as JSON
  and the original as attachments; its Message-ID is derived from the idempotency key,
  so a mail system can drop a repeat.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aktenkundig import config
from aktenkundig.governance import audit
from aktenkundig.inbox.models import Delivery, Item

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 30.0
TIMEOUT_SECONDS = 10.0
EXPORT_FORMAT = "aktenkundig-posteingang/1"


def webhook_secret() -> bytes:
    """Derived from the installation's secret key (the receiver is told it once)."""
    return hmac.new(settings.SECRET_KEY.encode(), b"inbox-webhook", hashlib.sha256).digest()


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(webhook_secret(), body, hashlib.sha256).hexdigest()


def export(item: Item) -> dict:
    """The item and its metadata as an e-Akte can import it (xdomea-like: Kopf with
    sender system and time, Schriftgutobjekt with metadata, Zuordnung, Primärdokument)."""
    return {
        "format": EXPORT_FORMAT,
        "kopf": {"absender_system": "aktenkundig", "mandant": item.tenant.slug,
                 "erstellt": timezone.now().isoformat()},
        "schriftgutobjekt": {
            "id": item.pk, "eingangsdatum": item.received_at.isoformat(),
            "eingangsweg": item.channel, "betreff": item.title, "seiten": item.page_count,
            "dokumentart": item.doc_type.name if item.doc_type else None,
        },
        "zuordnung": {
            "organisationseinheit": item.unit.code if item.unit else None,
            "entschieden_von": "mensch" if item.human_confirmed else "automatisch",
            "modellversion": item.model_version.label if item.model_version else None,
            "wahrscheinlichkeit": item.unit_probability,
        },
        "primaerdokument": {"dateiname": item.original_name, "mime_type": item.mime_type,
                            "sha256": item.sha256},
        "text": item.text,
    }


def schedule(item: Item) -> Delivery | None:
    """Create the delivery of ``item`` to its unit's external target (once)."""
    target = (item.unit.delivery if item.unit else "").strip()
    if not target:
        return None
    delivery, _created = Delivery.objects.get_or_create(
        item=item, target=target,
        defaults={"tenant": item.tenant, "key": uuid.uuid4().hex,
                  "next_attempt_at": timezone.now()},
    )
    return delivery


def attempt(delivery: Delivery, now: dt.datetime | None = None) -> Delivery:
    """One attempt; on failure the next one is scheduled with backoff from ``now``."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state != Delivery.State.PENDING:
            return delivery  # idempotent: done or given up
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    item = Item.objects.select_related("tenant", "unit", "doc_type", "model_version").get(
        pk=delivery.item_id)
    body = json.dumps(export(item), ensure_ascii=False, sort_keys=True).encode("utf-8")
    error = ""
    try:
        if delivery.target.startswith(("https://", "http://")):
            response = httpx.post(
                delivery.target, content=body, timeout=TIMEOUT_SECONDS,
                headers={"Content-Type": "application/json", "Idempotency-Key": delivery.key,
                         "X-Aktenkundig-Signature": sign(body)},
            )
            if response.status_code >= 300:
                error = f"HTTP {response.status_code}"
        elif delivery.target.startswith("mailto:"):
            _mail(item, delivery, body)
        else:
            folder = Path(delivery.target)
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".{delivery.key}.tmp"
            temporary.write_bytes(body)
            os.replace(temporary, folder / f"{delivery.key}.json")
    except (httpx.HTTPError, OSError, smtplib.SMTPException, ValueError) as exc:
        error = " ".join(str(exc).split())[:300] or type(exc).__name__
    now = now or timezone.now()
    if error:
        delivery.last_error = error
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = Delivery.State.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + dt.timedelta(
                seconds=BACKOFF_SECONDS * 2 ** (delivery.attempts - 1))
    else:
        delivery.state = Delivery.State.DONE
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
    delivery.save()
    audit.log_data_event(item.tenant, system_actor="inbox", action="inbox.delivery",
                         details={"item": item.pk, "key": delivery.key, "state": delivery.state,
                                  "attempt": delivery.attempts, "error": error})
    return delivery


def _mail(item: Item, delivery: Delivery, body: bytes) -> None:
    from django.core.files.storage import default_storage

    host = config.get("AKTENKUNDIG_INBOX_SMTP_HOST")
    if not host:
        raise ValueError("AKTENKUNDIG_INBOX_SMTP_HOST ist nicht gesetzt.")
    message = EmailMessage()
    message["From"] = config.get("AKTENKUNDIG_INBOX_SMTP_FROM")
    message["To"] = delivery.target.removeprefix("mailto:")
    message["Subject"] = f"Posteingang {item.pk}: {item.title or item.original_name}"[:200]
    message["Message-ID"] = f"<{delivery.key}@aktenkundig>"
    message.set_content(
        f"Eingang vom {timezone.localtime(item.received_at):%d.%m.%Y %H:%M}, zugeordnet an "
        f"{item.unit}. Metadaten und Text im Anhang (JSON).")
    message.add_attachment(body, maintype="application", subtype="json",
                           filename=f"eingang-{item.pk}.json")
    if item.original.name and default_storage.exists(item.original.name):
        with default_storage.open(item.original.name, "rb") as handle:
            main, _slash, sub = (item.mime_type or "application/octet-stream").partition("/")
            message.add_attachment(handle.read(), maintype=main, subtype=sub or "octet-stream",
                                   filename=item.original_name or f"eingang-{item.pk}")
    with smtplib.SMTP(host, config.get_int("AKTENKUNDIG_INBOX_SMTP_PORT"),
                      timeout=TIMEOUT_SECONDS) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
        smtp.send_message(message)


def retry_due(now: dt.datetime | None = None) -> int:
    """Attempt every pending delivery whose time has come (run by the CLI or a task)."""
    now = now or timezone.now()
    due = Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
    count = 0
    for delivery in due.order_by("next_attempt_at")[:500]:
        attempt(delivery, now)
        count += 1
    return count
