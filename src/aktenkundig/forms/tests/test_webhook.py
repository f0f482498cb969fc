"""Webhook to the specialist system: HMAC signature, retries, no retry on refusal."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aktenkundig.forms import services, webhook
from aktenkundig.forms.tests.conftest import filled
from aktenkundig.testing.accounts import approve_assistant

pytestmark = pytest.mark.django_db
SECRET = "geheim-fuer-das-fachverfahren"


@pytest.fixture
def receiver():
    """A specialist system on loopback answering with the queued status codes."""
    state = {"codes": [], "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["requests"].append((dict(self.headers), body))
            code = state["codes"].pop(0) if state["codes"] else 200
            self.send_response(code)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/eingang"
    yield state
    server.shutdown()


def _committed(tenant, staff_member, registered, blank, sample_schema, url):
    approve_assistant(tenant, "forms")
    registered.webhook_url, registered.webhook_secret = url, SECRET
    registered.save()
    submission = services.submit(tenant, filled(blank, sample_schema), user=staff_member)
    values = {k: v["value"] for k, v in submission.result["fields"].items()}
    return submission, values


def test_retried_until_accepted_and_signed(tenant, staff_member, registered, blank,
                                           sample_schema, receiver, monkeypatch,
                                           django_capture_on_commit_callbacks):
    receiver["codes"] = [503, 503]  # down for maintenance twice, then up
    submission, values = _committed(tenant, staff_member, registered, blank, sample_schema,
                                    receiver["url"])
    monkeypatch.setattr(webhook, "PAUSES", (0.0, 0.0, 0.0))
    with django_capture_on_commit_callbacks(execute=True):
        services.commit(submission, staff_member, values, reason="Mit Original verglichen.")
    submission.refresh_from_db()
    assert submission.delivered_at is not None and submission.delivery_attempts == 3
    headers, body = receiver["requests"][-1]
    assert headers["X-Aktenkundig-Signature"] == webhook.signature(
        SECRET, headers["X-Aktenkundig-Timestamp"], body)
    assert headers["X-Aktenkundig-Delivery"] == str(submission.pk)
    record = json.loads(body)
    assert record["fields"]["IBAN"]["value"] == "DE89370400440532013000"
    assert webhook.signature("falsch", headers["X-Aktenkundig-Timestamp"], body) != \
        headers["X-Aktenkundig-Signature"]


def test_refusal_not_retried(tenant, staff_member, registered, blank, sample_schema, receiver,
                             django_capture_on_commit_callbacks):
    receiver["codes"] = [400]
    submission, values = _committed(tenant, staff_member, registered, blank, sample_schema,
                                    receiver["url"])
    with django_capture_on_commit_callbacks(execute=True):
        services.commit(submission, staff_member, values, reason="Mit Original verglichen.")
    submission.refresh_from_db()
    assert submission.delivered_at is None
    assert submission.delivery_attempts == 1 and submission.delivery_error == "HTTP 400"
