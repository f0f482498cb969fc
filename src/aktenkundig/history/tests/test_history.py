from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from aktenkundig.history import services
from aktenkundig.history.models import Conversation, Feedback, Turn

CITATIONS = [{"number": 1, "chunk_id": None, "document_id": None, "title": "Hundesteuersatzung",
              "section": "§ 5", "page": 2, "quote": "120 Euro"}]


def _turn(user, tenant, question="Wie hoch ist die Hundesteuer?"):
    conversation = services.start_conversation(user, tenant, question)
    return services.record_turn(
        conversation, question, answer="120 Euro im Jahr [1].", citations=CITATIONS
    )


def test_history_is_private_searchable_and_deletable(client, staff_member, make_user, tenant):
    mine = _turn(staff_member, tenant)
    colleague = make_user("kollege", tenant)
    theirs = _turn(colleague, tenant, "Wie beantrage ich Elterngeld?")
    client.force_login(staff_member)

    listing = client.get(reverse("history:list"))
    assert b"Hundesteuer" in listing.content and b"Elterngeld" not in listing.content
    assert b"90 Tage" in listing.content
    found = client.get(reverse("history:list"), {"q": "120 euro"})
    assert b"Hundesteuer" in found.content
    assert b"Hundesteuer" not in client.get(reverse("history:list"), {"q": "Bauantrag"}).content

    detail = client.get(reverse("history:detail", args=[mine.conversation_id]))
    assert b"KI-generiert" in detail.content and b'data-ai-generated="true"' in detail.content
    assert client.get(reverse("history:detail", args=[theirs.conversation_id])).status_code == 404
    assert client.post(reverse("history:delete", args=[theirs.conversation_id])).status_code == 404
    client.post(reverse("history:delete", args=[mine.conversation_id]))
    assert not Conversation.objects.filter(pk=mine.conversation_id).exists()
    assert Conversation.objects.filter(pk=theirs.conversation_id).exists()


def test_feedback_with_reasons_and_admin_view(client, staff_member, subject_admin, tenant,
                                              stranger):
    turn = _turn(staff_member, tenant)
    client.force_login(staff_member)
    response = client.post(
        reverse("history:feedback", args=[turn.pk]),
        {"helpful": "nein", "reasons": ["quelle", "veraltet"], "comment": "Satzung von 2019"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and b"Quelle passt nicht" in response.content
    feedback = Feedback.objects.get(turn=turn)
    assert feedback.reasons == ["quelle", "veraltet"] and not feedback.helpful

    bad = client.post(reverse("history:feedback", args=[turn.pk]),
                      {"helpful": "nein", "reasons": ["egal"]})
    assert bad.status_code == 400 and b"Unbekannter Grund" in bad.content
    assert client.get(reverse("history:feedback_list")).status_code == 403

    client.force_login(subject_admin)
    page = client.get(reverse("history:feedback_list"), {"grund": "veraltet"})
    assert b"Hundesteuer" in page.content and b"Satzung von 2019" in page.content
    assert b"120 Euro" in page.content
    assert b"Hundesteuer" not in client.get(
        reverse("history:feedback_list"), {"grund": "falsch"}).content
    # Nobody can rate someone else's answer, and other tenants see no feedback.
    assert client.post(reverse("history:feedback", args=[turn.pk]),
                       {"helpful": "ja"}).status_code == 404
    client.force_login(stranger)
    assert b"Hundesteuer" not in client.get(reverse("history:feedback_list")).content


def test_retention_deletes_old_conversations_per_tenant(staff_member, stranger, tenant,
                                                        other_tenant):
    old = _turn(staff_member, tenant)
    fresh = _turn(staff_member, tenant, "Neu?")
    foreign = _turn(stranger, other_tenant)
    services.set_retention_days(other_tenant, 365)
    long_ago = timezone.now() - timedelta(days=100)
    Conversation.objects.filter(pk__in=[old.conversation_id, foreign.conversation_id]).update(
        updated_at=long_ago
    )
    call_command("purge_history")
    assert not Turn.objects.filter(pk=old.pk).exists()
    assert Turn.objects.filter(pk__in=[fresh.pk, foreign.pk]).count() == 2
    with pytest.raises(ValueError, match="zwischen 1 und 3650"):
        services.set_retention_days(tenant, 0)


def test_retention_task_runs(staff_member, tenant):
    from aktenkundig.history.tasks import purge_history_task

    old = _turn(staff_member, tenant)
    Conversation.objects.filter(pk=old.conversation_id).update(
        updated_at=timezone.now() - timedelta(days=91)
    )
    result = purge_history_task.enqueue()
    assert result.return_value == 1


def test_django_admin_lists_feedback_with_question_answer_and_sources(
    client, staff_member, tenant, make_user
):
    turn = _turn(staff_member, tenant)
    services.give_feedback(staff_member, tenant, turn.pk, helpful=False, reasons=["falsch"])
    root = make_user("root", tenant, ["administrator"], is_staff=True, is_superuser=True)
    client.force_login(root)
    listing = client.get("/admin/history/feedback/")
    assert listing.status_code == 200 and b"Antwort falsch" in listing.content
    detail = client.get(f"/admin/history/feedback/{Feedback.objects.get().pk}/change/")
    assert b"120 Euro" in detail.content and b"Hundesteuersatzung" in detail.content
    for url in ["/admin/", "/admin/auth/user/", f"/admin/auth/user/{staff_member.pk}/change/",
                "/admin/history/retentionpolicy/", "/admin/accounts/apitoken/"]:
        assert client.get(url).status_code == 200, url
