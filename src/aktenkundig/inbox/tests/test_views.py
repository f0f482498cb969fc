"""The queue pages through Django's test client: tenant checks, decisions, next item."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from aktenkundig.inbox.models import Status
from aktenkundig.inbox.tests import letters
from aktenkundig.inbox.tests.conftest import text_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_items(trained_tenant):
    return [text_item(trained_tenant, letters.letter("63", random.Random(1))),
            text_item(trained_tenant, letters.letter("50", random.Random(2)))]


def test_queue_lists_items_with_filters(client, staff_member, two_items):
    client.force_login(staff_member)
    page = client.get(reverse("inbox:queue")).content.decode()
    assert "2 Eingänge warten" in page
    filtered = client.get(reverse("inbox:queue"), {"unit": "50"}).content.decode()
    assert "1 Eingang wartet" in filtered


def test_item_shows_suggestion_and_confirm_loads_next(client, staff_member, two_items):
    first, second = two_items
    client.force_login(staff_member)
    page = client.get(reverse("inbox:item", args=[first.pk])).content.decode()
    assert "Bauamt" in page and "Entscheidende Wörter" in page
    assert "Personenbezogene Daten" in page and "PERSON" not in page
    assert f'href="{reverse("inbox:item", args=[second.pk])}"' in page  # prefetched
    response = client.post(reverse("inbox:item", args=[first.pk]), {"unit": "63"})
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:item", args=[second.pk])
    first.refresh_from_db()
    assert first.status == Status.CONFIRMED and first.decided_by == staff_member


def test_other_tenant_sees_nothing(client, stranger, two_items):
    client.force_login(stranger)
    assert client.get(reverse("inbox:item", args=[two_items[0].pk])).status_code == 404
    assert client.get(reverse("inbox:original", args=[two_items[0].pk])).status_code == 404
    response = client.post(reverse("inbox:item", args=[two_items[0].pk]), {"unit": "63"})
    assert response.status_code == 404
    two_items[0].refresh_from_db()
    assert two_items[0].status == Status.WAITING


def test_upload_creates_an_item(client, staff_member, inbox_tenant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff_member)
    upload = SimpleUploadedFile("brief.txt", letters.letter("51", random.Random(3)).encode())
    response = client.post(reverse("inbox:queue"), {"file": upload})
    assert response.status_code == 302
    original = client.get(response["Location"].rstrip("/") + "/original/")
    assert original.status_code == 200 and original["X-Content-Type-Options"] == "nosniff"


def test_rest_api_upload_list_decide_and_isolation(client, staff_member, stranger,
                                                    trained_tenant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff_member)
    upload = SimpleUploadedFile("brief.txt", letters.letter("63", random.Random(8)).encode())
    created = client.post("/api/inbox/items", {"file": upload})
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["channel"] == "api" and item["suggested_unit"] == "63"
    assert [i["id"] for i in client.get("/api/inbox/items").json()] == [item["id"]]
    bad = client.post(f"/api/inbox/items/{item['id']}/decision",
                      {"unit": "32"}, content_type="application/json")
    assert bad.status_code == 422  # reassigning needs a reason
    ok = client.post(f"/api/inbox/items/{item['id']}/decision",
                     {"unit": "63"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"
    client.force_login(stranger)
    assert client.get(f"/api/inbox/items/{item['id']}").status_code == 404
    assert client.get("/api/inbox/items").json() == []


def test_subject_admin_imports_plan_retrains_and_rolls_back(client, subject_admin,
                                                              staff_member, trained_tenant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aktenkundig.inbox import services

    client.force_login(staff_member)  # plain staff: no management
    assert client.post(reverse("inbox:retrain")).status_code == 404
    client.force_login(subject_admin)
    plan = SimpleUploadedFile("gvp.csv", "Kürzel;Name\n10;Hauptamt\n".encode())
    client.post(reverse("inbox:queue"), {"plan": plan})
    assert services.Unit.objects.filter(tenant=trained_tenant, code="10").exists()
    item = text_item(trained_tenant, letters.letter("63", random.Random(1)))
    services.decide(item, subject_admin, unit_code="63")
    client.post(reverse("inbox:retrain"))  # too few confirmed items: message, no model
    assert services.active_model(trained_tenant).version == 1
    pairs = letters.corpus(per_unit=5, seed=4)
    services.train(trained_tenant, [t for t, _ in pairs], [c for _, c in pairs])
    page = client.get(reverse("inbox:queue")).content.decode()
    assert "Version 1 aktivieren" in page
    # The management section is in the page once, and never inside <title>.
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and page.count("Zuordnungsmodell") == 1
    client.post(reverse("inbox:retrain"), {"rollback": "1"})
    assert services.active_model(trained_tenant).version == 1


def test_units_and_types_are_edited_by_the_right_role(client, subject_admin, staff_member,
                                                      inbox_tenant):
    from aktenkundig.inbox.models import DocumentType, Unit

    client.force_login(staff_member)
    assert client.get(reverse("inbox:organisation")).status_code == 404
    client.force_login(subject_admin)
    assert client.get(reverse("inbox:organisation")).status_code == 200
    client.post(reverse("inbox:organisation"), {
        "code": "63", "name": "Bauordnungsamt", "deputy": "32",
        "delivery": "https://dms.musterhausen.example/eingang", "active": "on"})
    unit = Unit.objects.get(tenant=inbox_tenant, code="63")
    assert unit.name == "Bauordnungsamt" and unit.deputy.code == "32"
    assert unit.delivery.startswith("https://")
    response = client.post(reverse("inbox:organisation"), {
        "code": "63", "name": "Bauamt", "delivery": "http://10.0.0.5/intern", "active": "on"},
        follow=True)
    assert "https" in response.content.decode()  # refused with a German reason
    assert Unit.objects.get(tenant=inbox_tenant, code="63").name == "Bauordnungsamt"
    client.post(reverse("inbox:organisation"), {"action": "type", "type_name": "Vollmacht"})
    assert DocumentType.objects.filter(tenant=inbox_tenant, name="Vollmacht").exists()
    assert DocumentType.objects.filter(tenant=inbox_tenant, name="Widerspruch").exists()


def test_boundaries_are_moved_from_the_item_view(client, staff_member, inbox_tenant, tmp_path):
    import os
    import time

    from aktenkundig.inbox.consumers.folder import FolderConsumer
    from aktenkundig.inbox.models import Item
    from aktenkundig.inbox.tests.test_splitting import LETTER_A, LETTER_A2, LETTER_B
    from aktenkundig.testing.pdf import text_pdf

    (tmp_path / "stapel.pdf").write_bytes(text_pdf([LETTER_A, LETTER_A2, LETTER_B]))
    past = time.time() - 10
    os.utime(tmp_path / "stapel.pdf", (past, past))
    consumer = FolderConsumer(inbox_tenant, tmp_path, settle_seconds=1)
    consumer.scan()
    first, second = consumer.scan()
    client.force_login(staff_member)
    page = client.get(reverse("inbox:item", args=[first.pk])).content.decode()
    assert "Briefgrenzen" in page and "zusammenführen" in page
    response = client.post(reverse("inbox:item", args=[first.pk]), {"action": "merge"})
    merged = Item.objects.get(tenant=inbox_tenant, page_count=3)
    assert response["Location"] == reverse("inbox:item", args=[merged.pk])
    assert not Item.objects.filter(pk__in=[first.pk, second.pk]).exists()
    client.post(reverse("inbox:item", args=[merged.pk]), {"action": "split", "after_page": "2"})
    assert sorted(Item.objects.filter(tenant=inbox_tenant).values_list("page_count", flat=True)
                  ) == [1, 2]


def test_batch_view_confirms_only_sure_suggestions_each_as_a_decision(
        client, staff_member, trained_tenant):
    from aktenkundig.governance.models import OversightItem

    sure = [text_item(trained_tenant, letters.letter(code, random.Random(20 + n)))
            for n, code in enumerate(["20", "63"])]
    vague = text_item(trained_tenant, "Sehr geehrte Damen und Herren, bitte melden Sie sich.")
    assert all(not i.abstained for i in sure) and vague.abstained
    client.force_login(staff_member)
    page = client.get(reverse("inbox:queue")).content.decode()
    for item in sure:
        assert f'name="item" value="{item.pk}"' in page
    assert f'name="item" value="{vague.pk}"' not in page  # below the threshold: one by one
    response = client.post(reverse("inbox:confirm_batch"),
                           {"item": [str(i.pk) for i in [*sure, vague]]}, follow=True)
    text = response.content.decode()
    assert "2 Vorschläge bestätigt." in text and "bitte einzeln entscheiden" in text
    for item in sure:
        item.refresh_from_db()
        assert item.status == Status.CONFIRMED and item.human_confirmed
        assert item.unit_id == item.suggested_unit_id and item.decided_by == staff_member
        assert OversightItem.objects.get(pk=item.oversight_id).decision == "accepted"
    vague.refresh_from_db()
    assert vague.status == Status.WAITING and not vague.human_confirmed


def test_batch_view_skips_decide_first_items_and_other_tenants(
        client, staff_member, stranger, trained_tenant):
    from aktenkundig.governance.models import OversightItem

    item = text_item(trained_tenant, letters.letter("20", random.Random(31)))
    OversightItem.objects.filter(pk=item.oversight_id).update(decide_first=True)
    client.force_login(staff_member)
    page = client.get(reverse("inbox:queue")).content.decode()
    assert f'name="item" value="{item.pk}"' not in page
    client.post(reverse("inbox:confirm_batch"), {"item": [str(item.pk)]})
    item.refresh_from_db()
    assert item.status == Status.WAITING
    OversightItem.objects.filter(pk=item.oversight_id).update(decide_first=False)
    client.force_login(stranger)  # another authority's clerk cannot confirm it
    client.post(reverse("inbox:confirm_batch"), {"item": [str(item.pk)]})
    item.refresh_from_db()
    assert item.status == Status.WAITING
