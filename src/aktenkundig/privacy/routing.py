"""Data-classification routing: which language-model backend may see which data.

Every backend declares the highest :class:`AccessLevel` it may receive (a cloud
API: offen; the authority's own vLLM: vertraulich). :func:`route` picks the
first configured backend allowed to receive the data, or refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from aktenkundig import config
from aktenkundig.core.models import AccessLevel


class RoutingRefused(PermissionError):
    """No configured backend may receive data of this level (message is user-facing)."""


@dataclass(frozen=True)
class Backend:
    name: str
    base_url: str
    model: str = ""
    max_level: AccessLevel = AccessLevel.OFFEN
    on_prem: bool = False
    api_key: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""


def configured_backends() -> list[Backend]:
    """The chat backend from AKTENKUNDIG_LLM_* (none when no URL is configured).

    A backend counts as on-prem when it may receive more than 'offen' data: the
    operator who declares a higher level vouches that it runs on trusted servers.
    """
    url = config.get("AKTENKUNDIG_LLM_BASE_URL")
    if not url:
        return []
    level = AccessLevel.parse(config.get("AKTENKUNDIG_LLM_MAX_LEVEL"))
    return [
        Backend(
            name="default",
            base_url=url,
            model=config.get("AKTENKUNDIG_LLM_MODEL"),
            max_level=level,
            on_prem=level > AccessLevel.OFFEN,
            api_key=config.get("AKTENKUNDIG_LLM_API_KEY"),
        )
    ]


def route(data_level: AccessLevel | int, backends: Sequence[Backend]) -> Backend:
    """The first backend allowed to receive ``data_level``; else :class:`RoutingRefused`."""
    level = AccessLevel(int(data_level))
    if not backends:
        raise RoutingRefused("Es ist kein Sprachmodell konfiguriert.")
    for backend in backends:
        if backend.max_level >= level:
            return backend
    allowed = ", ".join(f"{b.name} (bis {AccessLevel(b.max_level).label})" for b in backends)
    raise RoutingRefused(
        f"Daten der Schutzstufe „{level.label}“ dürfen an keines der konfigurierten "
        f"Sprachmodelle gehen ({allowed}). Die Anfrage wurde nicht gesendet."
    )
