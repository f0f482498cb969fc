"""Drafts from templates (language.drafts): the fixed parts and the salutation
rules without a model; the grounded body against the real test model (mechanics
only: every sentence carries a verdict, sources come from readable documents, the
call is audited); access and refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aktenkundig.governance.models import AuditRecord
from aktenkundig.language import drafts
from aktenkundig.language.models import DraftTemplate
from aktenkundig.llm.gateway import LLMError

pytestmark = pytest.mark.django_db

PASSAGES = [("§ 1", "Die Hundesteuer beträgt für den ersten Hund 96 Euro im Jahr."),
            ("§ 2", "Für jeden weiteren Hund beträgt die Steuer 120 Euro im Jahr.")]


def test_salutation_follows_the_rules_and_never_guesses():
    assert drafts.salutation("frau", "Meyer") == "Sehr geehrte Frau Meyer,"
    assert drafts.salutation("herr", " Dr.  Öztürk ") == "Sehr geehrter Herr Dr. Öztürk,"
    assert drafts.salutation("person", "Kim Weber") == "Guten Tag Kim Weber,"
    assert drafts.salutation("frau", "") == "Sehr geehrte Damen und Herren,"
    assert drafts.salutation("", "Meyer") == "Sehr geehrte Damen und Herren,"


def test_templates_render_known_placeholders_and_report_unknown_ones(tenant):
    (letter, note) = drafts.ensure_templates(tenant)
    assert {letter.name, note.name} == {"Antwortschreiben", "Vermerk"}
    assert drafts.template_problems(letter.body) == []
    assert drafts.template_problems("Hallo {name}") == [
        "Unbekannter Platzhalter {name}.",
        "Die Vorlage braucht den Platzhalter {text} für den Entwurf."]
    template = DraftTemplate(tenant=tenant, name="x", body="{anrede}\n{text}\n{gruss} {x}")
    assert drafts.render(template, values={"anrede": "A,", "text": "B.", "gruss": "C"}) == \
        "A,\nB.\nC {x}"


def test_informal_address_is_found():
    assert drafts.informal_words("Bitte schicke uns deinen Antrag, du kannst auch anrufen.") \
        == ["deinen", "du"]
    assert drafts.informal_words("Bitte schicken Sie uns Ihren Antrag.") == []


def test_refusals_before_any_model_call(tenant, other_tenant, stranger, staff_member,
                                        make_document, satzungen, monkeypatch):
    from aktenkundig.testing.accounts import approve_assistant

    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    make_document(satzungen, "Hundesteuersatzung", PASSAGES)
    (letter, _note) = drafts.ensure_templates(tenant)
    with pytest.raises(PermissionError):
        drafts.compose(letter, user=stranger, subject="Hundesteuer", instruction="")
    with pytest.raises(PermissionError):  # KI-Register entry not approved yet
        drafts.compose(letter, user=staff_member, subject="Hundesteuer", instruction="")
    approve_assistant(tenant, "language")
    with pytest.raises(ValueError, match="nichts zu diesem Betreff"):
        drafts.compose(letter, user=staff_member, subject="Raumfahrtprogramm",
                       instruction="Mondlandung")
    with pytest.raises(LLMError):
        drafts.compose(letter, user=staff_member, subject="Hundesteuer zweiter Hund",
                       instruction="Wie hoch ist die Steuer?")


def test_page_without_model_says_why(client, staff_member, tenant, monkeypatch):
    from aktenkundig.testing.accounts import approve_assistant

    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    approve_assistant(tenant, "language")
    client.force_login(staff_member)
    for name, marker in (("language:draft", "draft-unavailable"),
                         ("language:summary", "summary-unavailable")):
        page = client.get(reverse(name)).content.decode()
        assert f'id="{marker}"' in page


@pytest.mark.llm
@pytest.mark.slow
def test_draft_with_the_real_model_is_grounded_audited_and_marked(
        llm_backend, client, staff_member, tenant, make_document, satzungen):
    from aktenkundig.testing.accounts import approve_assistant

    approve_assistant(tenant, "language")
    make_document(satzungen, "Hundesteuersatzung", PASSAGES)
    client.force_login(staff_member)
    (letter, _note) = drafts.ensure_templates(tenant)
    response = client.post(reverse("language:draft"), {
        "template": letter.pk, "form": "frau", "name": "Meyer", "reference": "32-1/24",
        "subject": "Hundesteuer für den zweiten Hund", "instruction": "Wie hoch ist sie?",
        "sentences": "2"})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="draft-text"' in page and "KI-generiert" in page
    assert "Sehr geehrte Frau Meyer," in page and "Mit freundlichen Grüßen" in page
    assert "Ihr Zeichen: 32-1/24" in page and "Hundesteuersatzung" in page
    assert 'id="draft-sentences"' in page
    assert AuditRecord.objects.filter(tenant=tenant, feature="language", kind="ai").count() == 1


def test_templates_are_edited_by_subject_admins_only_and_checked(
        client, staff_member, subject_admin, tenant):
    (letter, _note) = drafts.ensure_templates(tenant)
    url = reverse("language:draft")
    client.force_login(staff_member)
    assert 'name="action" value="save_template"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "save_template", "template": letter.pk,
                             "body": "{text}"}).status_code == 403
    client.force_login(subject_admin)
    page = client.post(url, {"action": "save_template", "template": letter.pk,
                             "body": "{anrede} {name}"}, follow=True).content.decode()
    assert "Unbekannter Platzhalter {name}." in page
    letter.refresh_from_db()
    assert "{name}" not in letter.body
    client.post(url, {"action": "save_template", "template": letter.pk,
                      "body": "{anrede}\n\n{text}\n\n{gruss}", "closing": "Freundliche Grüße"})
    letter.refresh_from_db()
    assert letter.body == "{anrede}\n\n{text}\n\n{gruss}" and letter.closing == "Freundliche Grüße"
    assert AuditRecord.objects.filter(tenant=tenant, kind="human",
                                      body__contains="language.template_saved").exists()
