"""pytest plugin: every test gets its own audit anchor file.

The anchor (governance.anchor) lives outside the database on purpose, so the
database rollback between tests does not reset it; tenant ids are reused after
a rollback, and a line left by one test would be a false alarm in the next.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def audit_anchor(tmp_path, monkeypatch):
    """The anchor file of this test (empty at start)."""
    path = tmp_path / "audit_anchor.log"
    monkeypatch.setenv("AKTENKUNDIG_AUDIT_ANCHOR", str(path))
    return path
