"""Summaries with sources against the real test model: mechanics only (every
sentence carries a verdict from the assistant's claim check, uncited sentences
are never „belegt“, the call is audited, access is checked)."""

from __future__ import annotations

import pytest

from aktenkundig.governance.models import AuditRecord
from aktenkundig.language.summary import summarize

PASSAGES = [
    ("§ 1", "Die Hundesteuer beträgt für den ersten Hund 96 Euro im Jahr."),
    ("§ 2", "Für jeden weiteren Hund beträgt die Steuer 120 Euro im Jahr."),
]


def test_access_is_checked_before_any_model_call(make_document, satzungen, stranger, db):
    document = make_document(satzungen, "Hundesteuersatzung", PASSAGES)
    with pytest.raises(PermissionError):
        summarize(document, user=stranger)
    with pytest.raises(ValueError):
        summarize(document, sentences=0)


@pytest.mark.llm
@pytest.mark.slow
def test_summary_sentences_carry_sources_and_verdicts(llm_backend, make_document, satzungen,
                                                      staff_member):
    document = make_document(satzungen, "Hundesteuersatzung", PASSAGES)
    result = summarize(document, user=staff_member, sentences=2)
    assert result.ai_generated and result.passages
    for sentence in result.sentences:
        assert sentence.verdict in {"belegt", "teilweise", "nicht belegt"}
        if not sentence.sources:
            assert sentence.verdict == "nicht belegt"
    assert AuditRecord.objects.filter(tenant=document.tenant, feature="language",
                                      kind="ai").count() == 1


def test_summary_api_checks_tenant_and_gate(client, make_document, satzungen, staff_member,
                                            stranger, tenant, monkeypatch):
    from aktenkundig.accounts.services import create_api_token
    from aktenkundig.testing.accounts import approve_assistant

    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    document = make_document(satzungen, "Hundesteuersatzung", PASSAGES)

    def post(user):
        _token, raw = create_api_token(user, "t")
        return client.post("/api/language/summarize", {"document_id": document.pk},
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert post(stranger).status_code == 404
    assert post(staff_member).status_code == 403  # KI-Register entry not approved
    approve_assistant(tenant, "language")
    response = post(staff_member)
    assert response.status_code == 503 and "Sprachmodell" in response.json()["detail"]
