"""Language-model backends, as the operator configured them.

A backend is an OpenAI-compatible chat server (vLLM, Ollama, llama.cpp, a cloud
API). Each declares the highest data classification it may receive
(``max_level``) and whether it runs inside the authority's own network
(``on_prem``); the gateway routes by these. Today there is at most one backend
(``AKTENKUNDIG_LLM_*``); the list shape leaves room for several.

Nothing here opens a connection: without ``AKTENKUNDIG_LLM_BASE_URL`` there is no
backend and aktenkundig answers extractively.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from aktenkundig import config
from aktenkundig.core.models import AccessLevel


@dataclass(frozen=True)
class Backend:
    name: str
    base_url: str
    model: str = ""
    api_key: str = ""
    timeout: float = 60.0
    max_level: AccessLevel = AccessLevel.VERTRAULICH
    on_prem: bool = True
    max_tokens: int = 700

    def __repr__(self) -> str:  # never print the API key into logs
        return (
            f"Backend(name={self.name!r}, base_url={self.base_url!r}, model={self.model!r}, "
            f"max_level={AccessLevel(self.max_level).code}, on_prem={self.on_prem})"
        )

    def may_receive(self, level: int) -> bool:
        return int(level) <= int(self.max_level)

    @property
    def label(self) -> str:
        """Human-readable description for answers and the admin ('name (model)')."""
        return f"{self.name} ({self.model})" if self.model else self.name


def is_on_prem_url(url: str) -> bool:
    """Heuristic for ``AKTENKUNDIG_LLM_ON_PREM=auto``: loopback, private addresses,
    ``localhost`` and single-label or ``.intern``/``.local``/``.lan`` host names."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return (
            host == "localhost"
            or "." not in host
            or host.endswith((".intern", ".internal", ".local", ".lan", ".localhost"))
        )
    return address.is_private or address.is_loopback or address.is_link_local


def _timeout() -> float:
    raw = config.get("AKTENKUNDIG_LLM_TIMEOUT")
    try:
        value = float(raw)
    except ValueError as error:
        raise ValueError(f"AKTENKUNDIG_LLM_TIMEOUT must be a number, not {raw!r}") from error
    if value <= 0:
        raise ValueError("AKTENKUNDIG_LLM_TIMEOUT must be positive")
    return value


def configured_backends() -> list[Backend]:
    """Every configured backend (read from the environment on each call, so that
    tests and the operator's `llm health` see the current configuration)."""
    base_url = config.get("AKTENKUNDIG_LLM_BASE_URL").strip()
    if not base_url:
        return []
    on_prem_setting = config.get("AKTENKUNDIG_LLM_ON_PREM").strip().lower()
    on_prem = (
        is_on_prem_url(base_url)
        if on_prem_setting == "auto"
        else config.get_bool("AKTENKUNDIG_LLM_ON_PREM")
    )
    return [
        Backend(
            name="default",
            base_url=base_url.rstrip("/"),
            model=config.get("AKTENKUNDIG_LLM_MODEL").strip(),
            api_key=config.get("AKTENKUNDIG_LLM_API_KEY"),
            timeout=_timeout(),
            max_level=AccessLevel.parse(config.get("AKTENKUNDIG_LLM_MAX_LEVEL")),
            on_prem=on_prem,
            max_tokens=config.get_int("AKTENKUNDIG_LLM_MAX_TOKENS"),
        )
    ]


def default_backend() -> Backend | None:
    backends = configured_backends()
    return backends[0] if backends else None


def backend_for_level(level: int) -> Backend | None:
    """The first backend allowed to receive data of classification ``level``."""
    for backend in configured_backends():
        if backend.may_receive(level):
            return backend
    return None
