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
