"""The governance pages as an administrator and a KI-Beauftragte first used them
(issue #9, point 7): register dates, the oversight page, the audit log in the web
app, the kill switches, the quiz and the messages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from aktenkundig.accounts.models import Role
from aktenkundig.governance import audit, auditlog, policy
from aktenkundig.governance.models import AuditRecord, RegisterEntry
from aktenkundig.governance.tests.conftest import make_user

NAME = "Hannelore Kowalczyk"  # a person's name that must never appear on the log page


def _date_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    assert 'type="date"' in tag
    found = re.search(r'value="([^"]*)"', tag)
    return found.group(1) if found else ""


def test_register_dates_are_rendered_so_that_a_date_input_can_show_them(
        client, tenant, editor, officer, live):
    entry = live("assistant")
    review = entry.next_review_date
    client.force_login(editor)
    html = client.get(f"/governance/register/{entry.pk}/").content.decode()
    # <input type="date"> accepts only YYYY-MM-DD; "02.12.2027" showed as empty.
    assert _date_value(html, "next_review_date") == review.isoformat()
    assert _date_value(html, "begin_date") == ""


def test_saving_an_entry_unchanged_changes_nothing(client, tenant, editor, officer, live):
    entry = live("assistant")
    client.force_login(editor)
    page = client.get(f"/governance/register/{entry.pk}/")
    # As a browser submits it: the date as rendered, text areas with CRLF line ends.
    form = {name: ("" if value is None else value)
            for name, value in page.context["form"].initial.items()}
    form["next_review_date"] = _date_value(page.content.decode(), "next_review_date")
    assert "\n" in form["risk_rationale"]
    form = {name: value.replace("\n", "\r\n") if isinstance(value, str) else value
            for name, value in form.items()}
    response = client.post(f"/governance/register/{entry.pk}/", form, follow=True)
    assert "Keine Änderungen" in response.content.decode()
    before = entry
    entry = RegisterEntry.objects.get(pk=entry.pk)
    assert entry.next_review_date == before.next_review_date
    assert entry.state == "approved" and entry.editors == []  # still approved


def test_oversight_page_does_not_claim_no_findings_when_a_review_is_overdue(
        client, tenant, editor, officer, live):
    live("assistant")
    client.force_login(officer)
    html = client.get("/governance/dashboard/").content.decode()
    assert "Keine Auffälligkeiten" in html and "überfällig" not in html
    RegisterEntry.objects.filter(tenant=tenant, feature="assistant").update(
        next_review_date=timezone.localdate() - dt.timedelta(days=3))
    html = client.get("/governance/dashboard/").content.decode()
    assert "Überprüfung überfällig seit" in html and "Keine Auffälligkeiten" not in html


def _answer(tenant, *, refused: bool, question: str = f"Was schrieb {NAME}?"):
    return audit.log_ai_interaction(
        tenant, feature="assistant", backend="extraktiv", input_text=question,
        output_text="Antwort", extra={"channel": "web", "refused": refused,
                                      "generated": False, "coverage": 0.5},
    )


def test_oversight_page_shows_questions_refusals_and_negative_feedback(
        client, tenant, officer, clerk, other_tenant):
    for refused in (False, False, True):
        _answer(tenant, refused=refused)
    _answer(other_tenant, refused=True)
    for helpful in (False, True, False):
        audit.log_human_action(tenant, user=clerk, action="feedback", feature="assistant",
                               details={"turn": 1, "helpful": helpful, "reasons": [],
                                        "comment": False})
    usage = {row.feature: row for row in auditlog.usage(tenant)}
    assistant = usage["assistant"]
    assert (assistant.questions, assistant.refused, assistant.negative_feedback) == (3, 1, 2)
    client.force_login(officer)
    html = client.get("/governance/dashboard/").content.decode()
    row = re.search(r"<tr><th scope=\"row\">KI-Assistent für Beschäftigte</th>(.*?)</tr>",
                    html, re.S).group(1)
    assert re.findall(r"<td>(\d+)", row) == ["3", "1", "2"] and "33 %" in row


@pytest.mark.parametrize(("roles", "allowed"), [
    ([Role.STAFF], False),
    ([Role.SUBJECT_ADMIN], False),
    ([Role.AI_OFFICER], True),
    ([Role.AUDIT], True),
    ([Role.DATA_PROTECTION], True),
    ([Role.ADMINISTRATOR], True),
])
def test_audit_log_page_is_for_oversight_roles_only(client, tenant, roles, allowed):
    person = make_user(tenant, "person", roles)
    client.force_login(person)
    assert client.get("/governance/protokoll/").status_code == (200 if allowed else 403)
    assert client.post("/governance/protokoll/").status_code == (200 if allowed else 403)


def test_audit_log_page_shows_own_tenant_and_no_clear_text(client, tenant, other_tenant,
                                                           officer, admin_user, live):
    live("assistant")
    _answer(tenant, refused=False)
    policy.kill(tenant, "assistant", admin_user, reason=f"Beschwerde von {NAME}")
    audit.log_human_action(other_tenant, user=None, action="feedback",
                           case_ref="FREMDER-VORGANG")
    client.force_login(officer)
    html = client.get("/governance/protokoll/").content.decode()
    assert NAME not in html and "Kowalczyk" not in html
    assert audit.text_digest(f"Was schrieb {NAME}?") in html  # the question, as its digest
    assert audit.text_digest(f"Beschwerde von {NAME}") in html  # the reason, as its digest
    assert "Funktion abgeschaltet" in html and "administration" in html
    assert "FREMDER-VORGANG" not in html
    last = AuditRecord.objects.filter(tenant=tenant).order_by("-seq").first()
    assert last.hash in html
    # filters and paging
    only_ai = client.get("/governance/protokoll/?art=ai").content.decode()
    assert "Funktion abgeschaltet" not in only_ai and "KI-Anfrage" in only_ai
    older = client.get(f"/governance/protokoll/?vor={last.seq}").content.decode()
    assert last.hash not in older


def test_pseudonymised_ai_text_is_shown_as_stored():
    shown = dict(auditlog.redacted_details({
        "content": "pseudonymised", "input": "Was schrieb [PERSON]?", "reason": "frei",
        "extra": {"refused": False, "note": "frei"},
    }))
    assert shown["input"] == "Was schrieb [PERSON]?"
    assert shown["reason"] == audit.text_digest("frei")
    assert shown["extra.note"] == audit.text_digest("frei") and shown["extra.refused"] is False


def _cli_verify() -> tuple[int, str]:
    err = io.StringIO()
    try:
        call_command("audit", "verify", "--tenant", "musterstadt", stderr=err,
                     stdout=io.StringIO())
    except SystemExit as exit_:
        return exit_.code, err.getvalue()
    return 0, err.getvalue()


def test_verify_button_runs_the_same_check_as_the_command(
        client, tenant, officer, django_capture_on_commit_callbacks):
    # The anchor outside the database is written when the record commits.
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            _answer(tenant, refused=False)
    client.force_login(officer)
    html = client.post("/governance/protokoll/").content.decode()
    assert "Kette in Ordnung" in html and "3 Einträge geprüft" in html
    assert _cli_verify() == (0, "")
    with connection.cursor() as cursor:  # someone edits a record behind the app's back
        cursor.execute(f"UPDATE {AuditRecord._meta.db_table} SET body = "  # noqa: S608
                       "REPLACE(body, 'extraktiv', 'manipuliert') WHERE tenant_id = %s "
                       "AND seq = 2", [tenant.pk])
    html = client.post("/governance/protokoll/").content.decode()
    code, err = _cli_verify()
    assert "Kette gebrochen" in html and "Erster Fehler bei Eintrag 2" in html
    assert code == 1 and "Eintrag 2 wurde nachträglich verändert." in err
    assert "Eintrag 2 wurde nachträglich verändert." in html


def test_kill_switch_needs_a_reason_and_shows_who_switched_when(client, tenant, admin_user,
                                                                live):
    live("assistant")
    client.force_login(admin_user)
    refused = client.post("/governance/schalter/", {"feature": "assistant", "action": "kill",
                                                    "reason": "  "})
    assert refused.status_code == 400
    assert "Bitte geben Sie einen Grund" in refused.content.decode()
    assert policy.get_policy(tenant, "assistant").killed is False
    with pytest.raises(ValueError, match="Grund"):
        policy.kill(tenant, "assistant", admin_user, reason="")

    page = client.get("/governance/schalter/").content.decode()
    # Never approved: off anyway, no "switch off" button but the way to its entry.
    inbox = re.search(r"<tr><th scope=\"row\"><a [^>]*>Posteingang.*?</tr>", page, re.S).group(0)
    assert "Sofort abschalten" not in inbox and "nicht im KI-Register freigegeben" in inbox
    assert "/governance/register/" in inbox
    assistant = re.search(r"<tr><th scope=\"row\"><a [^>]*>KI-Assistent.*?</tr>", page,
                          re.S).group(0)
    assert "Sofort abschalten" in assistant

    client.post("/governance/schalter/", {"feature": "assistant", "action": "kill",
                                          "reason": "Falsche Gebühren genannt"})
    page = client.get("/governance/schalter/").content.decode()
    today = timezone.localtime().strftime("%d.%m.%Y")
    assert f"am {today}" in page and "von administration" in page
    assert "Falsche Gebühren genannt" in page
    client.post("/governance/schalter/", {"feature": "assistant", "action": "restore"})
    history = client.get("/governance/schalter/").content.decode().split("Zuletzt geschaltet")[1]
    assert history.index("Funktion wieder eingeschaltet") < history.index(
        "Funktion abgeschaltet")


def test_quiz_says_which_answers_were_wrong_and_messages_appear_once(client, tenant, clerk):
    from aktenkundig.governance import literacy

    module = literacy.get_module("grundlagen")
    answers = {f"q{i}": q.answer for i, q in enumerate(module.quiz)}
    answers["q0"] = (module.quiz[0].answer + 1) % len(module.quiz[0].options)
    answers["q2"] = (module.quiz[2].answer + 1) % len(module.quiz[2].options)
    client.force_login(clerk)
    html = client.post("/governance/schulung/grundlagen/", answers).content.decode()
    assert html.count("Leider nicht bestanden") == 1
    assert "2 Antworten waren nicht richtig" in html
    summary = html.split('id="quiz-result"')[1].split("<form")[0]
    assert module.quiz[0].question in summary and module.quiz[2].question in summary
    assert html.count("Diese Antwort war nicht richtig.") == 2
    assert module.quiz[0].explanation in html
    assert 'aria-describedby="id_q0_error"' in html and 'aria-describedby="id_q1_error"' \
        not in html


def test_public_register_pages_show_german_dates_names_and_no_codes(client, tenant, live):
    entry = live("citizen")
    review = entry.next_review_date
    html = client.get(f"/governance/{tenant.slug}/ki-register/").content.decode()
    assert "KI-Register – Stadt Musterstadt" in html and "KI-Register der" not in html
    assert review.strftime("%d.%m.%Y") in html and review.isoformat() not in html
    detail = client.get(f"/governance/{tenant.slug}/ki-register/citizen/").content.decode()
    assert review.strftime("%d.%m.%Y") in detail and review.isoformat() not in detail
    assert "im Einsatz" in detail and ">in_use<" not in detail
    assert "begrenztes Risiko" in detail and ">limited<" not in detail
    # the exports keep ISO dates and codes for machines
    assert client.get(f"/governance/{tenant.slug}/ki-register.json").json()[0][
        "review_date"] == review.isoformat()


def test_richtlinie_in_the_training_shows_role_names(tenant, officer, live):
    from aktenkundig.governance import literacy

    live("assistant")
    policy.update_policy(tenant, "assistant", officer, allowed_roles=["ki_beauftragte"])
    table = literacy.policy_markdown(tenant)
    assert "KI-Beauftragte" in table and "ki_beauftragte" not in table
