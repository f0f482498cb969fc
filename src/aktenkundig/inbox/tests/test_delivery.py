"""Delivery to a unit's webhook (a real HTTP server on loopback) and DMS folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from aktenkundig.inbox import delivery, services
from aktenkundig.inbox.models import Delivery, Unit
from aktenkundig.inbox.tests import letters
from aktenkundig.inbox.tests.conftest import text_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    """A webhook receiver that fails twice (503), then accepts; it records every call."""
    calls: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append({"body": body, "key": self.headers["Idempotency-Key"],
                          "signature": self.headers["X-Aktenkundig-Signature"]})
            self.send_response(503 if len(calls) <= 2 else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/eingang", calls
    server.shutdown()


def test_webhook_is_signed_retried_with_backoff_and_idempotent(trained_tenant, staff_member,
                                                               receiver):
    url, calls = receiver
    Unit.objects.filter(tenant=trained_tenant, code="63").update(delivery=url)
    item = text_item(trained_tenant, letters.letter("63", random.Random(1)))
    services.decide(item, staff_member, unit_code="63")
    sent = Delivery.objects.get(item=item)
    assert sent.state == "pending" and sent.attempts == 1 and sent.last_error == "HTTP 503"
    first_wait = sent.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=20) < first_wait <= dt.timedelta(seconds=31)
    assert delivery.retry_due() == 0  # not due yet
    later = timezone.now() + dt.timedelta(seconds=31)
    assert delivery.retry_due(later) == 1
    sent.refresh_from_db()
    second_wait = sent.next_attempt_at - later
    assert second_wait > first_wait  # backoff grows
    assert delivery.retry_due(timezone.now() + dt.timedelta(minutes=5)) == 1
    sent.refresh_from_db()
    assert sent.state == "done" and sent.attempts == 3
    assert delivery.retry_due(timezone.now() + dt.timedelta(hours=1)) == 0
    delivery.attempt(sent)  # a done delivery is not sent again
    assert len(calls) == 3 and len({c["key"] for c in calls}) == 1
    for call in calls:
        expected = "sha256=" + hmac.new(delivery.webhook_secret(), call["body"],
                                        hashlib.sha256).hexdigest()
        assert hmac.compare_digest(call["signature"], expected)
    export = json.loads(calls[-1]["body"])
    assert export["zuordnung"]["organisationseinheit"] == "63"
    assert export["zuordnung"]["entschieden_von"] == "mensch"
    assert export["schriftgutobjekt"]["eingangsdatum"]


def test_folder_delivery_writes_the_export_whole(trained_tenant, staff_member, tmp_path):
    Unit.objects.filter(tenant=trained_tenant, code="50").update(delivery=str(tmp_path / "dms"))
    item = text_item(trained_tenant, letters.letter("50", random.Random(2)))
    services.decide(item, staff_member, unit_code="50")
    (written,) = (tmp_path / "dms").iterdir()
    assert json.loads(written.read_text(encoding="utf-8"))["schriftgutobjekt"]["id"] == item.pk
    assert Delivery.objects.get(item=item).state == "done"


def test_unreachable_webhook_gives_up_after_max_attempts(trained_tenant, staff_member):
    Unit.objects.filter(tenant=trained_tenant, code="20").update(
        delivery="http://127.0.0.1:9/nirgends")
    item = text_item(trained_tenant, letters.letter("20", random.Random(3)))
    services.decide(item, staff_member, unit_code="20")
    moment = timezone.now()
    for _ in range(delivery.MAX_ATTEMPTS):
        moment += dt.timedelta(days=1)
        delivery.retry_due(moment)
    sent = Delivery.objects.get(item=item)
    assert sent.state == "failed" and sent.attempts == delivery.MAX_ATTEMPTS
    assert sent.last_error


def test_mail_delivery_to_a_real_smtp_server(trained_tenant, staff_member, monkeypatch):
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free loopback port (aiosmtpd cannot take 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("AKTENKUNDIG_INBOX_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("AKTENKUNDIG_INBOX_SMTP_PORT", str(port))
        Unit.objects.filter(tenant=trained_tenant, code="51").update(
            delivery="mailto:jugendamt@musterhausen.example")
        item = text_item(trained_tenant, letters.letter("51", random.Random(6)))
        services.decide(item, staff_member, unit_code="51")
    finally:
        controller.stop()
    (envelope,) = received
    assert envelope.rcpt_tos == ["jugendamt@musterhausen.example"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    sent = Delivery.objects.get(item=item)
    assert sent.state == "done" and mail["Message-ID"] == f"<{sent.key}@aktenkundig>"
    names = [part.get_filename() for part in mail.iter_attachments()]
    assert f"eingang-{item.pk}.json" in names and "brief.txt" in names
