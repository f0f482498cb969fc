"""Canary: real names, addresses and IBANs never reach the language model or the logs.

A document with a unique fake person is ingested and asked about through the
assistant, with the real local LLM server behind a recording proxy on loopback:
every request body the model server received, and every log record of the run,
must contain only placeholders, while the user's answer shows the real values.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import get_or_create_collection, get_tenant
from aktenkundig.privacy.models import PrivacyEvent, PrivacyEventKind

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.llm, pytest.mark.slow]

FIXTURE = Path(__file__).parent / "fixtures" / "widerspruch_canary.md"
SECRETS = ("Ottilie", "Zwiebelkorn", "Quittengasse", "DE44 5001", "DE445001", "5407 3249")


class RecordingProxy:
    """Forwards /v1/* to the model server and keeps every request body it saw."""

    def __init__(self, upstream: str) -> None:
        self.bodies: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.bodies.append(body.decode("utf-8", errors="replace"))
                target = upstream.rstrip("/") + self.path.removeprefix("/v1")
                try:
                    response = httpx.request(
                        method,
                        target,
                        content=body,
                        headers={"Content-Type": self.headers.get("Content-Type", "")},
                        timeout=120,
                    )
                except httpx.HTTPError:
                    self.send_error(502)
                    return
                self.send_response(response.status_code)
                self.send_header("Content-Type", response.headers.get("content-type", ""))
                self.send_header("Content-Length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            def do_GET(self):
                self._forward("GET")

            def do_POST(self):
                self._forward("POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxied_llm(llm_backend, monkeypatch):
    proxy = RecordingProxy(llm_backend.base_url)
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", proxy.base_url)
    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_TOKENS", "40")  # mechanics, not prose
    yield proxy
    proxy.close()


def test_llm_sees_only_placeholders_user_sees_real_values(proxied_llm, caplog):
    from aktenkundig.assistant.services import answer
    from aktenkundig.documents.services import ingest_file

    caplog.set_level(logging.DEBUG)
    tenant = get_tenant()
    collection = get_or_create_collection(tenant, "Widersprüche", AccessLevel.VERTRAULICH)
    ingested = ingest_file(FIXTURE, collection)
    assert ingested.status == "new", ingested.describe()

    result = answer(
        "Auf welches Konto soll Frau Ottilie Zwiebelkorn die Erstattung der Trauerhalle bekommen?",
        tenant=tenant,
        use_llm=True,
        conversation_key="canary:1",
    )

    chat_bodies = [json.loads(b) for b in proxied_llm.bodies if '"messages"' in b]
    assert chat_bodies, "the model server was never asked"
    sent = "\n".join(m["content"] for body in chat_bodies for m in body["messages"])
    for secret in SECRETS:
        assert secret not in sent, f"{secret!r} reached the language model"
    assert "[PERSON_1]" in sent and "[IBAN_1]" in sent and "[ADDRESS_1]" in sent

    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in SECRETS:
        assert secret not in logged, f"{secret!r} was logged"

    # The user's view shows the real values (re-identified or quoted from the source).
    shown = result.text + " ".join(c.quote for c in result.citations)
    assert "Zwiebelkorn" in shown or "DE44 5001 0517 5407 3249 31" in shown
    assert PrivacyEvent.objects.filter(kind=PrivacyEventKind.ROUTED, scope="canary:1").exists()


def test_model_output_is_reidentified_while_streaming(llm_backend, caplog):
    """The model is made to write placeholders (grammar-constrained), and the
    caller receives real values, also when a placeholder is split across deltas."""
    from aktenkundig.llm import gateway
    from aktenkundig.privacy import pseudonymize as pseudo

    caplog.set_level(logging.DEBUG)
    tenant = get_tenant()
    pseudo.pseudonymize(FIXTURE.read_text(), tenant, "canary:2")

    class Grammar:
        def before(self, request):
            request.extra_body["grammar"] = 'root ::= "[PERSON_1] hat die IBAN [IBAN_1]."'

        def restore(self, request, deltas):
            yield from deltas

    hook = Grammar()
    gateway.register_hook(hook)
    try:
        completion = gateway.complete(
            [{"role": "user", "content": "Wer ist Frau Ottilie Zwiebelkorn?"}],
            data_level=AccessLevel.INTERN,
            conversation_key="canary:2",
            stream=True,
            context={"tenant": tenant},
        )
        deltas = list(completion)
    finally:
        gateway.unregister_hook(hook)
    assert "".join(deltas) == "Ottilie Zwiebelkorn hat die IBAN DE44 5001 0517 5407 3249 31."
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Zwiebelkorn" not in logged
    event = PrivacyEvent.objects.get(kind=PrivacyEventKind.REIDENTIFIED, scope="canary:2")
    assert event.detail["placeholders"] == 2


def test_vertraulich_is_refused_on_an_offen_only_backend(llm_backend, monkeypatch):
    from aktenkundig.llm import gateway

    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_LEVEL", "offen")
    with pytest.raises(gateway.LLMNotPermitted, match="vertraulich"):
        gateway.complete(
            [{"role": "user", "content": "Frau Zwiebelkorn"}],
            data_level=AccessLevel.VERTRAULICH,
            context={"tenant": get_tenant()},
        )
