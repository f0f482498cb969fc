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
import random

import pagebench


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    pagebench.fresh_site("inbox")
    from django.utils import timezone

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
    client = pagebench.staff_client(tenant)
    first = Item.objects.filter(tenant=tenant).order_by("received_at").first()

    def timed(url: str, params=None) -> list[float]:
        def get() -> None:
            response = client.get(url, params or {})
            assert response.status_code == 200, response.status_code

        return pagebench.timed(get, args.requests)

    rows = [
        ("queue page", timed("/posteingang/")),
        ("queue page, filtered (unit, abstained)", timed("/posteingang/",
                                                          {"unit": "63", "abstained": "1"})),
        ("item view", timed(f"/posteingang/{first.pk}/")),
    ]
    print(f"{args.items} waiting items, {args.requests} requests each, embedded SQLite")
    pagebench.print_table("page", rows)


if __name__ == "__main__":
    main()
