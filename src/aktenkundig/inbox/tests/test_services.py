"""Intake, routing, decisions and training with the real database and governance."""

from __future__ import annotations

import random

import pytest

from aktenkundig.governance import policy
from aktenkundig.governance.models import OversightItem
from aktenkundig.inbox import services
from aktenkundig.inbox.models import DocumentType, Item, RoutingModel, Status, Unit
from aktenkundig.inbox.tests import letters
from aktenkundig.inbox.tests.conftest import text_item

pytestmark = pytest.mark.django_db


def test_plan_import_creates_units_with_deputy_and_default_types(inbox_tenant):
    units = Unit.objects.filter(tenant=inbox_tenant)
    assert set(units.values_list("code", flat=True)) == set(letters.UNITS)
    assert units.get(code="51").deputy.code == "50"
    created, updated = services.import_plan(inbox_tenant, letters.plan_csv().encode())
    assert (created, updated) == (0, len(letters.UNITS))
    services.ensure_defaults(inbox_tenant)
    assert "Widerspruch" in DocumentType.objects.filter(tenant=inbox_tenant).values_list(
        "name", flat=True)


def test_plan_import_refuses_unknown_deputy_and_keeps_nothing(tenant):
    with pytest.raises(services.InboxError, match="Vertretung"):
        services.import_plan(tenant, b"Kuerzel;Name;Vertretung\n10;Hauptamt;99\n")
    assert not Unit.objects.filter(tenant=tenant).exists()


def test_suggestion_with_evidence_waits_for_a_person(trained_tenant):
    item = text_item(trained_tenant, letters.letter("63", random.Random(1)))
    item.refresh_from_db()
    assert item.status == Status.WAITING  # auto_route is off by default
    assert item.suggested_unit.code == "63"
    assert item.evidence["terms"]
    assert "12345 Musterhausen" in item.evidence["facts"]["sender"]
    assert item.evidence["personal_data"]  # the privacy layer found the sender's data
    assert item.oversight is not None and item.oversight.confidence == pytest.approx(
        item.unit_probability)
    assert item.model_version.label == "inbox-unit-v1"


def test_confirm_needs_no_reason_override_does(trained_tenant, staff_member):
    first = text_item(trained_tenant, letters.letter("63", random.Random(1)))
    services.decide(first, staff_member, unit_code="63")
    first.refresh_from_db()
    assert first.human_confirmed and first.status == Status.CONFIRMED
    assert first.oversight.decision == "accepted"
    second = text_item(trained_tenant, letters.letter("50", random.Random(2)))
    with pytest.raises(services.InboxError, match="begründen"):
        services.decide(second, staff_member, unit_code="32")
    services.decide(second, staff_member, unit_code="32", reason="Absender ist Gewerbetreibender")
    second.refresh_from_db()
    assert second.oversight.decision == "overridden" and second.unit.code == "32"


def test_automatic_routing_only_when_allowed_and_above_threshold(trained_tenant):
    settings = services.settings_for(trained_tenant)
    settings.auto_route = True
    settings.save()
    clear = text_item(trained_tenant, letters.letter("20", random.Random(4)))
    clear.refresh_from_db()
    assert not clear.abstained and clear.status == Status.ROUTED
    assert clear.unit.code == "20" and not clear.human_confirmed
    vague = text_item(trained_tenant, "Sehr geehrte Damen und Herren, bitte melden Sie sich.")
    vague.refresh_from_db()
    assert vague.abstained and vague.status == Status.WAITING and vague.unit is None


def test_kill_switch_stops_suggestions_and_automatic_routing(trained_tenant, ai_officer):
    settings = services.settings_for(trained_tenant)
    settings.auto_route = True
    settings.save()
    policy.kill(trained_tenant, "inbox", ai_officer, reason="Prüfung der Zuordnung")
    item = text_item(trained_tenant, letters.letter("20", random.Random(4)))
    item.refresh_from_db()
    assert item.status == Status.WAITING and item.suggested_unit is None
    assert item.oversight is None and "abgeschaltet" in item.evidence["refused"]


def test_training_reads_only_confirmed_items(trained_tenant, staff_member):
    rng = random.Random(11)
    for code in ["20", "32", "50", "63", "51"] * 2:  # people decide these
        item = text_item(trained_tenant, letters.letter(code, rng))
        agrees = item.suggested_unit is not None and item.suggested_unit.code == code
        services.decide(item, staff_member, unit_code=code,
                        reason="" if agrees else "anders zuständig")
    settings = services.settings_for(trained_tenant)
    settings.auto_route = True
    settings.save()
    for code in ["20", "63"]:  # these the model routes itself
        text_item(trained_tenant, letters.letter(code, rng))
    # an automatically routed item, even one labelled wrongly, must not reach training
    Item.objects.filter(tenant=trained_tenant, status=Status.ROUTED).update(
        unit=Unit.objects.get(tenant=trained_tenant, code="32"))
    assert Item.objects.filter(tenant=trained_tenant, status=Status.ROUTED).exists()
    confirmed = Item.objects.filter(tenant=trained_tenant, human_confirmed=True).count()
    assert confirmed == 10
    model = services.train_from_confirmed(trained_tenant)
    assert model.n_items == confirmed and model.version == 2


def test_rollback_reactivates_an_earlier_version(trained_tenant):
    pairs = letters.corpus(per_unit=6, seed=3)
    services.train(trained_tenant, [t for t, _ in pairs], [c for _, c in pairs])
    assert services.active_model(trained_tenant).version == 2
    services.rollback(trained_tenant, 1)
    assert services.active_model(trained_tenant).version == 1
    assert RoutingModel.objects.filter(tenant=trained_tenant).count() == 2
    with pytest.raises(services.InboxError):
        services.rollback(trained_tenant, 7)


def test_models_and_items_stay_in_their_tenant(trained_tenant, other_tenant, stranger):
    services.import_plan(other_tenant, letters.plan_csv().encode())
    assert services.active_model(other_tenant) is None
    item = text_item(trained_tenant, letters.letter("63", random.Random(1)))
    assert not services.queue(other_tenant).filter(pk=item.pk).exists()
    with pytest.raises(PermissionError):
        services.decide(item, stranger, unit_code="63")


def test_corrupt_scan_lands_in_the_queue_with_a_reason(inbox_tenant):
    item = services.receive(inbox_tenant, services.Incoming(
        b"%PDF-1.7\n1 0 obj <<>> garbage", "scan.pdf", "folder"))
    assert item.status == Status.FAILED and item.error
    assert services.queue(inbox_tenant).filter(pk=item.pk).exists()
    assert not OversightItem.objects.filter(case_ref=f"inbox-{item.pk}").exists()


def test_long_waiting_items_go_to_the_deputy(trained_tenant):
    import datetime as dt

    from django.utils import timezone

    kita = text_item(trained_tenant, letters.letter("51", random.Random(1)))
    assert kita.suggested_unit.code == "51"  # Jugendamt, deputy: Sozialamt
    assert services.escalate(trained_tenant, hours=48) == 0  # not old enough
    Item.objects.filter(pk=kita.pk).update(received_at=timezone.now() - dt.timedelta(days=3))
    assert services.escalate(trained_tenant, hours=48) == 1
    kita.refresh_from_db()
    assert kita.suggested_unit.code == "50" and kita.evidence["escalated_from"] == "51"
    assert services.escalate(trained_tenant, hours=48) == 0  # once


def test_retrain_task_runs_per_tenant(trained_tenant, staff_member):
    from aktenkundig.inbox.tasks import retrain_task

    result = retrain_task.enqueue(trained_tenant.pk)  # immediate backend in tests
    assert result.return_value is None  # no confirmed items yet: nothing trained
    assert services.active_model(trained_tenant).version == 1


def test_document_type_model_from_confirmed_types(trained_tenant, staff_member):
    rng = random.Random(21)
    kinds = ["Antrag", "Widerspruch"]
    for number in range(12):
        kind = kinds[number % 2]
        text = letters.letter("50", rng) + (
            "\nIch beantrage hiermit die Leistung." if kind == "Antrag"
            else "\nGegen den Bescheid lege ich Widerspruch ein, die Frist ist gewahrt.")
        item = text_item(trained_tenant, text)
        services.decide(item, staff_member, unit_code="50", type_name=kind)
    model = services.train_types_from_confirmed(trained_tenant)
    assert model.target == "type" and set(model.labels) == set(kinds)
    assert services.active_model(trained_tenant).target == "unit"  # the unit model stays
    new = text_item(trained_tenant, letters.letter("50", rng)
                    + "\nGegen den Bescheid lege ich Widerspruch ein, die Frist ist gewahrt.")
    assert new.suggested_type.name == "Widerspruch" and new.type_probability > 0.5


def test_after_the_kill_switch_people_still_decide_without_ai(trained_tenant, staff_member,
                                                              ai_officer):
    item = text_item(trained_tenant, letters.letter("63", random.Random(1)))
    assert item.oversight is not None
    policy.kill(trained_tenant, "inbox", ai_officer, reason="Prüfung der Zuordnung")
    services.decide(item, staff_member, unit_code="32")
    item.refresh_from_db()
    assert item.unit.code == "32" and item.human_confirmed
    assert item.oversight.decision == "pending"  # the AI suggestion was not judged


def test_a_huge_file_in_the_hot_folder_becomes_an_unreadable_item(inbox_tenant, tmp_path,
                                                                  settings):
    import os
    import time

    from aktenkundig.inbox.consumers.folder import FolderConsumer

    settings.MAX_UPLOAD_BYTES = 1000
    huge = tmp_path / "riesig.pdf"
    huge.write_bytes(b"%PDF-1.7\n" + b"0" * 5000)
    past = time.time() - 10
    os.utime(huge, (past, past))
    consumer = FolderConsumer(inbox_tenant, tmp_path, settle_seconds=1)
    consumer.scan()
    (item,) = consumer.scan()
    assert item.status == Status.FAILED and "groß" in item.error
