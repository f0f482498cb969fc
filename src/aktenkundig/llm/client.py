"""Talking to an OpenAI-compatible chat server.

Do not call :func:`chat` from domain code: go through
:func:`aktenkundig.llm.gateway.complete`, the single place where privacy rules
(classification routing, pseudonymisation) apply. This module only knows HTTP.

Failures surface as :class:`LLMError` subclasses with a German, user-facing
message; callers fall back to extractive answers on :class:`LLMUnavailable`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import httpx
import openai

from aktenkundig.llm.backends import Backend, default_backend

logger = logging.getLogger(__name__)

# Connecting to a server on the local network takes milliseconds; a server that
# does not accept within this time is treated as down rather than slow.
CONNECT_TIMEOUT = 5.0


class LLMError(RuntimeError):
    """A language-model call failed. ``str(error)`` is a German message for users."""


class LLMNotConfigured(LLMError):
    def __init__(self, message: str = "Es ist kein Sprachmodell konfiguriert.") -> None:
        super().__init__(message)


class LLMUnavailable(LLMError):
    """The server is down, too slow, or answered with a server error."""


@lru_cache(maxsize=16)
def _client(backend: Backend) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=backend.base_url,
        # Servers without authentication still need a non-empty key in the client.
        api_key=backend.api_key or "unused",
        timeout=httpx.Timeout(backend.timeout, connect=min(CONNECT_TIMEOUT, backend.timeout)),
        # Retrying a slow server doubles the wait before the extractive fallback.
        max_retries=0,
    )


@lru_cache(maxsize=16)
def _served_model(backend: Backend) -> str:
    """Model name to request: the configured one, else the first the server lists
    (llama.cpp and a single-model vLLM serve exactly one)."""
    if backend.model:
        return backend.model
    try:
        models = _client(backend).models.list()
    except openai.OpenAIError as error:
        raise _translate(error, backend) from error
    for model in models:
        return model.id
    raise LLMUnavailable(f"Der Sprachmodell-Server {backend.base_url} bietet kein Modell an.")


def model_name(backend: Backend) -> str:
    return _served_model(backend)


def _translate(error: Exception, backend: Backend) -> LLMError:
    where = backend.base_url
    if isinstance(error, openai.APITimeoutError | httpx.TimeoutException):
        return LLMUnavailable(
            f"Das Sprachmodell ({where}) hat nicht innerhalb von {backend.timeout:g} "
            "Sekunden geantwortet."
        )
    if isinstance(error, openai.APIConnectionError | httpx.TransportError):
        return LLMUnavailable(f"Das Sprachmodell ({where}) ist nicht erreichbar.")
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        return LLMUnavailable(
            f"Das Sprachmodell ({where}) lehnt den Zugang ab; bitte API-Schlüssel prüfen."
        )
    if isinstance(error, openai.APIStatusError):
        if error.status_code >= 500 or error.status_code == 429:
            return LLMUnavailable(
                f"Das Sprachmodell ({where}) ist überlastet oder gestört "
                f"(HTTP {error.status_code})."
            )
        return LLMError(
            f"Das Sprachmodell ({where}) hat die Anfrage abgelehnt (HTTP {error.status_code})."
        )
    return LLMUnavailable(f"Fehler bei der Anfrage an das Sprachmodell ({where}).")


def _resolve(backend: Backend | None) -> Backend:
    backend = backend or default_backend()
    if backend is None:
        raise LLMNotConfigured()
    return backend


def chat(
    messages: list[dict[str, str]],
    *,
    backend: Backend | None = None,
    stream: bool = False,
    max_tokens: int | None = None,
    temperature: float = 0.1,
    response_format: dict[str, Any] | None = None,
    extra_body: dict[str, Any] | None = None,
) -> str | Iterator[str]:
    """One chat completion: the answer text, or (``stream=True``) an iterator of
    text deltas. Errors, also in the middle of a stream, raise :class:`LLMError`."""
    backend = _resolve(backend)
    request: dict[str, Any] = {
        "model": _served_model(backend),
        "messages": messages,
        "max_tokens": max_tokens or backend.max_tokens,
        "temperature": temperature,
    }
    if response_format is not None:
        request["response_format"] = response_format
    if extra_body:
        request["extra_body"] = extra_body
    client = _client(backend)
    started = time.monotonic()
    try:
        if not stream:
            response = client.chat.completions.create(**request)
            logger.info("llm %s: %.0f ms", backend.name, (time.monotonic() - started) * 1000)
            if not response.choices:
                return ""
            return response.choices[0].message.content or ""
        chunks = client.chat.completions.create(**request, stream=True)
    except openai.OpenAIError as error:
        raise _translate(error, backend) from error
    return _deltas(chunks, backend)


def _deltas(chunks: Any, backend: Backend) -> Iterator[str]:
    try:
        with chunks:
            for chunk in chunks:
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta.content
                if delta:
                    yield delta
    except (openai.OpenAIError, httpx.HTTPError) as error:
        raise _translate(error, backend) from error


def health(backend: Backend | None = None) -> tuple[bool, float, str]:
    """(reachable and answering, latency in ms, German detail) for the admin page
    and ``aktenkundig llm health``. Lists models and generates one token."""
    try:
        backend = _resolve(backend)
    except LLMNotConfigured as error:
        return False, 0.0, str(error)
    started = time.monotonic()
    try:
        model = _served_model(backend)
        chat(
            [{"role": "user", "content": "ok?"}],
            backend=backend,
            max_tokens=1,
            temperature=0.0,
        )
    except LLMError as error:
        return False, (time.monotonic() - started) * 1000, str(error)
    latency = (time.monotonic() - started) * 1000
    return True, latency, f"Modell {model} antwortet ({backend.base_url})."
