"""Load at start-up what the first question would otherwise wait for.

The e5 encoder (ONNX graph and weights), the German analyzer's compound lexicon,
the language detector's n-gram models and the moderation model are loaded on first
use, once per process. Without this, the first citizen after a (re)start waited
about five seconds for an answer that takes a fraction of a second afterwards
(issue #9, point 6). Each web worker warms itself in a background thread right
after it loads the application, so requests are served meanwhile (the first ones
may still wait for a model that is being loaded, never twice).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


def _steps() -> list[tuple[str, Callable[[], object]]]:
    from aktenkundig.assistant.coverage import calibration
    from aktenkundig.citizen.language import detect_language
    from aktenkundig.citizen.moderation import is_offensive
    from aktenkundig.search.analyzer import analyzer
    from aktenkundig.search.embedding import get_encoder

    return [
        ("encoder", lambda: get_encoder().embed_query("Wie hoch ist die Hundesteuer?")),
        ("analyzer", lambda: analyzer().query_terms("Hundesteuersatzung Bürgerbüro")),
        ("language", lambda: detect_language("Wie hoch ist die Hundesteuer?")),
        ("moderation", lambda: is_offensive("Guten Tag")),
        ("calibration", lambda: (calibration("de"), calibration("en"))),
    ]


def warm() -> dict[str, float]:
    """Load every model now; seconds per step. A step that fails is logged and
    skipped: the request that needs it will report the problem properly."""
    timings: dict[str, float] = {}
    for name, step in _steps():
        started = time.perf_counter()
        try:
            step()
        except Exception:
            log.warning("warm-up step %s failed", name, exc_info=True)
            continue
        timings[name] = round(time.perf_counter() - started, 3)
    log.info("models loaded: %s", timings)
    return timings


def warm_in_background() -> threading.Thread:
    thread = threading.Thread(target=warm, name="warm-up", daemon=True)
    thread.start()
    return thread
