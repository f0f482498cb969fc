"""Fixed-window rate limits in the Django cache, with the wait for Retry-After.

Keys are hashed so that neither IP addresses nor conversation tokens appear in
the cache. The embedded default uses the per-process memory cache, which is
exact for one server process; a multi-process deployment configures a shared
cache (``CACHES``) so that the limits hold across workers.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    seconds: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0


def hit(limit: Limit, identity: str) -> Decision:
    """Count one request of ``identity`` against ``limit``."""
    if limit.count <= 0:
        return Decision(True)
    now = time.time()
    window = int(now // limit.seconds)
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    key = f"citizen-rl:{limit.scope}:{digest}:{window}"
    # add() is atomic: exactly one request creates the counter for the window.
    if cache.add(key, 1, timeout=limit.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=limit.seconds + 1)
            count = 1
    if count <= limit.count:
        return Decision(True)
    retry_after = max(1, int((window + 1) * limit.seconds - now + 0.999))
    return Decision(False, retry_after)


def check_all(checks: list[tuple[Limit, str]]) -> Decision:
    """Apply every limit; the longest wait wins when any is exceeded."""
    waits = [d.retry_after for d in (hit(limit, ident) for limit, ident in checks) if not d.allowed]
    return Decision(False, max(waits)) if waits else Decision(True)
