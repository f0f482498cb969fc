"""The one door to language models: every LLM call in aktenkundig goes through
:func:`complete`.

Why a single choke point: the rules for sending administrative data to a model
(classification routing, pseudonymisation of personal data, audit) must hold for
every call, and must not depend on each caller remembering them. :func:`complete`

1. picks a backend allowed to receive data of ``data_level`` (or refuses),
2. lets registered :class:`GatewayHook` objects rewrite the request before it
   leaves (e.g. replace names by placeholders, scoped by ``conversation_key``) and
   the answer text as it comes back (put the names back in),
3. calls the server through :mod:`aktenkundig.llm.client`.

Other apps register hooks in their ``AppConfig.ready()`` with
:func:`register_hook`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from aktenkundig.core.models import AccessLevel
from aktenkundig.llm import client
from aktenkundig.llm.backends import Backend, backend_for_level, configured_backends
from aktenkundig.llm.client import LLMError, LLMNotConfigured, LLMUnavailable

__all__ = [
    "Completion",
    "GatewayHook",
    "LLMError",
    "LLMNotConfigured",
    "LLMNotPermitted",
    "LLMRequest",
    "LLMUnavailable",
    "complete",
    "is_available",
    "register_hook",
    "select_backend",
    "unregister_hook",
]

logger = logging.getLogger(__name__)


class LLMNotPermitted(LLMError):
    """No configured backend may receive data of this classification."""


@dataclass
class LLMRequest:
    """What is about to be sent; hooks may replace ``messages``."""

    messages: list[dict[str, str]]
    data_level: AccessLevel
    backend: Backend
    conversation_key: str = ""
    purpose: str = ""
    # Extra fields for the server's request body (e.g. vLLM guided decoding or a
    # llama.cpp grammar); hooks may add to it.
    extra_body: dict[str, Any] = field(default_factory=dict)
    # Free space for hooks to pass state from before() to restore().
    context: dict[str, Any] = field(default_factory=dict)


class GatewayHook(Protocol):
    def before(self, request: LLMRequest) -> None:
        """Inspect or rewrite ``request.messages`` in place; raise LLMError to stop."""

    def restore(self, request: LLMRequest, deltas: Iterator[str]) -> Iterator[str]:
        """Transform the answer text as it streams back (non-streamed answers
        arrive as a single delta)."""


_HOOKS: list[GatewayHook] = []


def register_hook(hook: GatewayHook) -> None:
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def unregister_hook(hook: GatewayHook) -> None:
    if hook in _HOOKS:
        _HOOKS.remove(hook)


class Completion:
    """The answer of :func:`complete`: iterate for text deltas as they arrive,
    or read :attr:`text` for the whole answer."""

    def __init__(self, request: LLMRequest, model: str, deltas: Iterator[str]) -> None:
        self.request = request
        self.backend = request.backend
        self.model = model
        self._deltas = deltas
        self._parts: list[str] = []
        self._done = False

    def __iter__(self) -> Iterator[str]:
        for delta in self._deltas:
            self._parts.append(delta)
            yield delta
        self._done = True

    @property
    def text(self) -> str:
        if not self._done:
            for _delta in self:
                pass
        return "".join(self._parts)


def select_backend(data_level: int, backend: Backend | None = None) -> Backend:
    """The backend that would serve data of ``data_level``; raises
    :class:`LLMNotConfigured` or :class:`LLMNotPermitted`."""
    level = AccessLevel(int(data_level))
    if backend is not None:
        if not backend.may_receive(level):
            raise LLMNotPermitted(
                f"Das Sprachmodell {backend.name} ist nicht für Daten der Schutzstufe "
                f"„{level.label}“ freigegeben."
            )
        return backend
    chosen = backend_for_level(level)
    if chosen is not None:
        return chosen
    if not configured_backends():
        raise LLMNotConfigured()
    raise LLMNotPermitted(
        f"Kein Sprachmodell ist für Daten der Schutzstufe „{level.label}“ freigegeben."
    )


def is_available(data_level: int = AccessLevel.OFFEN) -> bool:
    """Whether a backend is configured for this level (no network call)."""
    try:
        select_backend(data_level)
    except LLMError:
        return False
    return True


def complete(
    messages: list[dict[str, str]],
    *,
    data_level: int,
    conversation_key: str = "",
    purpose: str = "",
    stream: bool = False,
    max_tokens: int | None = None,
    temperature: float = 0.1,
    response_format: dict[str, Any] | None = None,
    backend: Backend | None = None,
) -> Completion:
    """Send ``messages`` (OpenAI chat format) to a model allowed for ``data_level``.

    ``data_level``: the highest classification of anything in ``messages``.
    ``conversation_key``: stable key of the case or conversation, so that
    pseudonyms stay consistent across turns. ``purpose``: short tag for the
    audit trail ("assistant.answer", "citizen.chat", ...).

    With ``stream=False`` the request completes before this returns; with
    ``stream=True`` errors may also surface while iterating. Both raise
    :class:`LLMError` subclasses with German messages.
    """
    chosen = select_backend(data_level, backend)
    request = LLMRequest(
        messages=[dict(message) for message in messages],
        data_level=AccessLevel(int(data_level)),
        backend=chosen,
        conversation_key=conversation_key,
        purpose=purpose,
    )
    for hook in list(_HOOKS):
        hook.before(request)
    model = client.model_name(chosen)
    logger.info(
        "llm call purpose=%s backend=%s level=%s stream=%s",
        purpose or "-",
        chosen.name,
        request.data_level.code,
        stream,
    )
    result = client.chat(
        request.messages,
        backend=chosen,
        stream=stream,
        max_tokens=max_tokens,
        temperature=temperature,
        response_format=response_format,
        extra_body=request.extra_body or None,
    )
    deltas: Iterator[str] = iter([result]) if isinstance(result, str) else result
    for hook in list(_HOOKS):
        deltas = hook.restore(request, deltas)
    return Completion(request, model, deltas)
