"""Fixtures of the language services' tests: the KI-Register entry ``language``
approved through the real four-eyes workflow, and a loopback server that follows
LibreTranslate's documented ``/translate`` API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aktenkundig.testing.accounts import approve_assistant


@pytest.fixture
def language_tenant(tenant):
    approve_assistant(tenant, "language")
    return tenant


# A tiny word list: the server proves the protocol, not translation quality.
WORDS = {"hallo": "hello", "welt": "world", "antrag": "application", "der": "the",
         "die": "the", "das": "the", "ist": "is", "frist": "deadline", "und": "and"}


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeLibreTranslate/1.0"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/languages":
            self._send(200, [{"code": "de", "name": "German", "targets": ["en", "tr"]}])
        else:
            self._send(404, {"error": "Not found"})

    def do_POST(self) -> None:
        if self.path != "/translate":
            self._send(404, {"error": "Not found"})
            return
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw) if "json" in self.headers.get("Content-Type", "") else {}
        except ValueError:
            self._send(400, {"error": "Invalid request"})
            return
        self.server.requests.append(body)
        if self.server.api_key and body.get("api_key") != self.server.api_key:
            self._send(403, {"error": "Invalid API key"})
            return
        for field in ("q", "source", "target"):
            if not body.get(field):
                self._send(400, {"error": f"Invalid request: missing {field} parameter"})
                return
        if body["target"] not in ("en", "tr"):
            self._send(400, {"error": f"{body['target']} is not supported"})
            return

        def translate(text: str) -> str:
            return " ".join(WORDS.get(w.lower(), w) for w in text.split(" "))

        q = body["q"]
        self._send(200, {"translatedText": [translate(t) for t in q] if isinstance(q, list)
                         else translate(q)})


@pytest.fixture
def libretranslate():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = []
    server.api_key = ""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
