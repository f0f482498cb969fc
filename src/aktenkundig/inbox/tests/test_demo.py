"""The demo's Posteingang: Musterhausen's units and letters, two of them scanned."""

from __future__ import annotations

import pytest

from aktenkundig.inbox import demo
from aktenkundig.inbox.models import Item, Status, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXPECTED = {"01-hundesteuer": "20", "02-garage": "63", "03-kita": "51", "04-laerm": "32",
            "05-wohngeld": "50", "06-beschwerde": "10"}


def test_demo_letters_arrive_with_cold_start_suggestions(inbox_tenant):
    assert demo.setup(inbox_tenant) == 6
    assert demo.setup(inbox_tenant) == 0  # idempotent
    assert Unit.objects.filter(tenant=inbox_tenant, code="10").exists()
    items = {i.source_key.removeprefix("demo:").removesuffix(".txt"): i
             for i in Item.objects.filter(tenant=inbox_tenant, source_key__startswith="demo:")}
    assert len(items) == 6
    scans = [i for i in items.values() if i.original_name.endswith(".png")]
    assert len(scans) == 2 and all(i.status == Status.WAITING for i in scans)
    assert "Bebauungsplan" in items["02-garage"].text  # read by OCR
    for item in items.values():
        assert item.cold_start and item.abstained and item.status == Status.WAITING
    hits = sum(items[name].suggested_unit.code == code for name, code in EXPECTED.items())
    print(f"cold start: {hits} of 6 demo letters suggested to the right unit")
    assert hits >= 3  # descriptions alone already point most letters the right way
