"""Against a real llama.cpp server (xllamacpp + SmolLM2-135M) on loopback."""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aktenkundig.core.models import AccessLevel
from aktenkundig.llm import gateway
from aktenkundig.llm.backends import Backend
from aktenkundig.llm.client import LLMUnavailable, chat, health

pytestmark = [pytest.mark.llm, pytest.mark.slow]

QUESTION = [{"role": "user", "content": "Say hello."}]


def test_chat_returns_text(llm_backend):
    text = chat(QUESTION, max_tokens=8)
    assert isinstance(text, str) and text.strip()


def test_chat_streams_deltas(llm_backend):
    deltas = list(chat(QUESTION, stream=True, max_tokens=8))
    assert len(deltas) > 1
    assert "".join(deltas).strip()


def test_health_of_running_server(llm_backend):
    ok, latency, detail = health()
    assert ok, detail
    assert latency > 0 and "smollm2" in detail


def test_gateway_applies_hooks_around_the_call(llm_backend):
    class Marker:
        def before(self, request):
            seen.append((request.purpose, request.data_level, request.conversation_key))
            request.messages[-1]["content"] = "Say: yes."

        def restore(self, request, deltas: Iterator[str]) -> Iterator[str]:
            yield from deltas
            yield " [geprüft]"

    seen: list = []
    hook = Marker()
    gateway.register_hook(hook)
    try:
        completion = gateway.complete(
            QUESTION,
            data_level=AccessLevel.INTERN,
            conversation_key="vorgang-17",
            purpose="test",
            stream=True,
            max_tokens=6,
        )
        streamed = "".join(completion)
    finally:
        gateway.unregister_hook(hook)
    assert seen == [("test", AccessLevel.INTERN, "vorgang-17")]
    assert streamed.endswith(" [geprüft]") and completion.text == streamed
    assert completion.backend == llm_backend and completion.model == "smollm2"
    assert QUESTION[-1]["content"] == "Say hello."  # the caller's messages are untouched


def test_server_down_is_a_clear_german_error(llm_down):
    with pytest.raises(LLMUnavailable, match="nicht erreichbar"):
        chat(QUESTION)
    ok, _latency, detail = health(llm_down)
    assert not ok and "nicht erreichbar" in detail


def test_slow_server_times_out():
    """A server that accepts the connection but never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    backend = Backend(
        name="langsam", base_url=f"http://127.0.0.1:{port}/v1", model="x", timeout=1.0
    )
    started = time.monotonic()
    try:
        with pytest.raises(LLMUnavailable, match="nicht innerhalb von 1 Sekunden"):
            chat(QUESTION, backend=backend)
    finally:
        listener.close()
        for conn in accepted:
            conn.close()
    assert time.monotonic() - started < 5


def test_health_command(llm_backend, capsys):
    call_command("llm", "health")
    assert "OK" in capsys.readouterr().out


def test_health_command_fails_when_down(llm_down, capsys):
    with pytest.raises(CommandError):
        call_command("llm", "health")
    assert "FEHLER" in capsys.readouterr().out


def test_serve_local_command_runs_a_usable_server(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from aktenkundig.testing.llm_server import free_port

    port = free_port()
    import aktenkundig

    source_root = str(Path(aktenkundig.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "AKTENKUNDIG_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": source_root,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aktenkundig",
            "llm",
            "serve-local",
            "--port",
            str(port),
            "--threads",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Strg+C" in line:
                break
        assert f"  AKTENKUNDIG_LLM_BASE_URL=http://127.0.0.1:{port}/v1\n" in lines, lines
        backend = Backend(name="lokal", base_url=f"http://127.0.0.1:{port}/v1", model="local")
        assert chat(QUESTION, backend=backend, max_tokens=4).strip()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0


def test_hooks_can_constrain_decoding_with_a_grammar(llm_backend):
    """extra_body reaches the server: a llama.cpp grammar forces the output."""

    class Grammar:
        def before(self, request):
            request.extra_body["grammar"] = 'root ::= "Ja, genau so [1]."'

        def restore(self, request, deltas):
            return deltas

    hook = Grammar()
    gateway.register_hook(hook)
    try:
        completion = gateway.complete(QUESTION, data_level=AccessLevel.OFFEN, max_tokens=20)
        assert completion.text == "Ja, genau so [1]."
    finally:
        gateway.unregister_hook(hook)
