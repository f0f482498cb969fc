"""Simplify and translate against the REAL test model server on loopback
(SmolLM2-135M via llama.cpp): mechanics only (the model is tiny and weak at
German), i.e. rounds, fact check, audit, markup kept, memory reuse."""

from __future__ import annotations

import pytest

from aktenkundig.governance.models import AuditRecord
from aktenkundig.language import services
from aktenkundig.language import translation as tr
from aktenkundig.language.models import GlossaryTerm

pytestmark = [pytest.mark.llm, pytest.mark.slow]

TEXT = "Der Antrag ist bis zum 15. März 2025 einzureichen. Die Gebühr beträgt 25 Euro."


def test_simplify_generates_checks_and_audits(llm_backend, language_tenant):
    result = services.simplify(TEXT, tenant=language_tenant, level="leicht", rounds=2,
                               channel="test")
    assert 1 <= result.rounds <= 2
    assert result.text
    # Publishable exactly when the fact check passed: never otherwise.
    assert result.publishable == result.fact_check.ok
    if not result.fact_check.ok:
        assert result.fact_check.problems()
    records = AuditRecord.objects.filter(tenant=language_tenant, feature="language", kind="ai")
    assert records.count() == result.rounds


def test_translate_html_keeps_markup_with_memory_and_glossary(llm_backend, language_tenant):
    GlossaryTerm.objects.create(tenant=language_tenant, term="Bürgergeld", keep=True)
    html = ('<p>Das <a href="/leistungen/buergergeld">Bürgergeld</a> wird monatlich '
            'gezahlt.</p><ul><li>Antrag stellen</li></ul>')
    result = services.translate(html, target="en", tenant=language_tenant, fmt="html",
                                backend=tr.LLMBackend())
    assert result.text.startswith("<p>") and '<a href="/leistungen/buergergeld">' in result.text
    assert result.text.endswith("</li></ul>") and result.sent == len(result.segments)
    assert all(s.target for s in result.segments)
    flagged = next(s for s in result.segments if s.source == "Bürgergeld")
    assert bool(flagged.problems) == ("bürgergeld" not in flagged.target.lower())
    again = services.translate(html, target="en", tenant=language_tenant, fmt="html",
                               backend=tr.LLMBackend())
    assert again.sent == 0 and again.text == result.text
    # Every model call audited (one per segment sent), none for memory hits.
    assert AuditRecord.objects.filter(tenant=language_tenant, feature="language",
                                      kind="ai").count() == result.sent
