"""Shared set-up for the benches that time staff pages through Django's test client.

Why: each such bench needs the same fresh embedded site (a temporary data directory,
SQLite, migrated), a logged-in staff member and the same p50/p95 table; written once
here so that the benches differ only in what they put into the database and which
pages they request.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def fresh_site(name: str) -> None:
    """Django set up on a new embedded SQLite database in a temporary directory."""
    os.environ["AKTENKUNDIG_DATA_DIR"] = tempfile.mkdtemp(prefix=f"aktenkundig-bench-{name}-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
    os.environ.pop("AKTENKUNDIG_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def staff_client(tenant):
    """A test client logged in as a new member of ``tenant`` (role Beschäftigte)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from aktenkundig.accounts.services import add_member

    user = get_user_model().objects.create_user("bench")
    add_member(user, tenant, ["beschaeftigte"])
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    client.user = user
    return client


def timed(call: Callable[[], object], repeats: int) -> list[float]:
    """Milliseconds of ``repeats`` calls after one warm-up call."""
    call()
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def print_table(first_column: str, rows: list[tuple[str, list[float]]]) -> None:
    print(f"| {first_column} | p50 ms | p95 ms |")
    print("|---|---|---|")
    for name, values in rows:
        values = sorted(values)
        p95 = values[min(len(values) - 1, round(0.95 * len(values)) - 1)]
        print(f"| {name} | {statistics.median(values):.0f} | {p95:.0f} |")
