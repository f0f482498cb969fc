"""pytest plugin: state outside the database that must not leak between tests.

* the audit anchor (governance.anchor) lives outside the database on purpose, so
  the rollback between tests does not reset it; tenant ids are reused after a
  rollback, and a line left by one test would be a false alarm in the next;
* the cache (per-process memory in tests) holds rate-limit and login-failure
  counters; failures of one test must not lock out the logins of the next.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def audit_anchor(tmp_path, monkeypatch):
    """The anchor file of this test (empty at start)."""
    path = tmp_path / "audit_anchor.log"
    monkeypatch.setenv("AKTENKUNDIG_AUDIT_ANCHOR", str(path))
    return path


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.conf import settings

    if "locmem" not in settings.CACHES["default"]["BACKEND"]:
        yield  # a database cache rolls back with the test's transaction
        return
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
