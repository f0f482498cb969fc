"""Posteingang queue page with many waiting items: p50/p95 of the list and of an item view.

    python bench/inbox_queue.py [--items 10000] [--requests 40]

A fresh embedded SQLite database in a temporary data directory; items are written
with bulk_create (their text, suggestion and evidence filled as by the router), then
the staff pages are requested through Django's test client (full middleware, template
rendering, no network). Target (issue #12): queue page p95 < 200 ms with 10,000 items.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    os.environ["AKTENKUNDIG_DATA_DIR"] = tempfile.mkdtemp(prefix="aktenkundig-bench-inbox-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
    os.environ.pop("AKTENKUNDIG_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from aktenkundig.accounts.services import add_member
    from aktenkundig.core.services import get_tenant
    from aktenkundig.inbox import services
    from aktenkundig.inbox.models import Item, Unit
    from aktenkundig.inbox.tests import letters

    tenant = get_tenant()
    services.import_plan(tenant, letters.plan_csv().encode())
    units = list(Unit.objects.filter(tenant=tenant))
    rng = random.Random(1)
    now = timezone.now()
    batch = []
    for number in range(args.items):
        code = rng.choice(list(letters.UNITS))
        text = letters.letter(code, rng)
        batch.append(Item(
            tenant=tenant, received_at=now - dt.timedelta(minutes=number),
            channel="folder", title=text.splitlines()[6][:200], text=text,
            suggested_unit=rng.choice(units), unit_probability=rng.random(),
            abstained=rng.random() < 0.5, candidates=[], evidence={"terms": ["a", "b"]},
        ))
    Item.objects.bulk_create(batch, batch_size=1000)
    user = get_user_model().objects.create_user("bench")
    add_member(user, tenant, ["beschaeftigte"])
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    first = Item.objects.filter(tenant=tenant).order_by("received_at").first()

    def timed(url: str, params=None) -> list[float]:
        client.get(url, params or {})  # warm
        out = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url, params or {})
            out.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        return out

    rows = [
        ("queue page", timed("/posteingang/")),
        ("queue page, filtered (unit, abstained)", timed("/posteingang/",
                                                          {"unit": "63", "abstained": "1"})),
        ("item view", timed(f"/posteingang/{first.pk}/")),
    ]
    print(f"{args.items} waiting items, {args.requests} requests each, embedded SQLite")
    print("| page | p50 ms | p95 ms |")
    print("|---|---|---|")
    for name, values in rows:
        values.sort()
        p95 = values[min(len(values) - 1, round(0.95 * len(values)) - 1)]
        print(f"| {name} | {statistics.median(values):.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
