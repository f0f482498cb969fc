"""Translation without a language model: segmenting with markup kept, the
LibreTranslate client as a contract test against a loopback server following
LibreTranslate's documented API (it proves the protocol, not quality), glossary
flags, translation memory, data-level refusal."""

from __future__ import annotations

import pytest

from aktenkundig.core.models import AccessLevel
from aktenkundig.language import services
from aktenkundig.language import translation as tr
from aktenkundig.language.models import GlossaryTerm, MemoryEntry
from aktenkundig.llm.gateway import LLMError, LLMNotPermitted

HTML = ('<h1 class="t">Hallo Welt</h1>\n<p>Der <a href="/antrag?x=1">Antrag</a> ist '
        '<strong>wichtig</strong>.</p><script>var s = "nicht übersetzen";</script>')


def test_html_segments_are_text_nodes_and_markup_survives():
    seg = tr.segment(HTML, "html")
    # Script content and the letter-less "." are no segments.
    assert seg.segments == ["Hallo Welt", "Der", "Antrag", "ist", "wichtig"]
    rebuilt = seg.rebuild([s.upper() for s in seg.segments])
    assert '<h1 class="t">HALLO WELT</h1>' in rebuilt
    assert '<a href="/antrag?x=1">ANTRAG</a>' in rebuilt
    assert 'var s = "nicht übersetzen";' in rebuilt


def test_markdown_keeps_block_markers_links_and_code():
    text = "# Titel\n\n- Punkt mit [Link](https://example.org/a)\n\n```\ncode bleibt\n```\n"
    seg = tr.segment(text, "markdown")
    assert seg.segments == ["Titel", "Punkt mit [Link⟦0⟧"]
    rebuilt = seg.rebuild(["TITLE", "POINT WITH [LINK⟦0⟧"])
    assert rebuilt == "# TITLE\n\n- POINT WITH [LINK](https://example.org/a)\n\n```\ncode " \
                      "bleibt\n```\n"


def test_libretranslate_contract(libretranslate):
    backend = tr.LibreTranslateBackend(libretranslate.url)
    assert backend.translate(["Hallo Welt", "der Antrag"], "de", "en") == \
        ["hello world", "the application"]
    request = libretranslate.requests[-1]
    assert request == {"q": ["Hallo Welt", "der Antrag"], "source": "de", "target": "en",
                       "format": "text"}
    # Errors come back as the documented {"error": ...} and become a German LLMError.
    with pytest.raises(LLMError, match="400"):
        backend.translate(["Hallo"], "de", "xx")
    libretranslate.api_key = "geheim"
    with pytest.raises(LLMError, match="403"):
        backend.translate(["Hallo"], "de", "en")
    assert tr.LibreTranslateBackend(libretranslate.url, api_key="geheim").translate(
        ["Welt"], "de", "en") == ["world"]


def test_confidential_text_is_refused_before_anything_is_sent(libretranslate, db):
    backend = tr.LibreTranslateBackend(libretranslate.url, max_level=AccessLevel.OFFEN)
    with pytest.raises(tr.TranslationRefused, match="vertraulich"):
        services.translate("Hallo Welt", target="en", tenant=None, backend=backend,
                           data_level=AccessLevel.VERTRAULICH)
    assert libretranslate.requests == []


def test_llm_backend_routing_refuses_confidential_text_for_external_server(monkeypatch, db):
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", "https://api.example.com/v1")
    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_LEVEL", "offen")
    with pytest.raises(LLMNotPermitted):
        services.translate("Hallo Welt", target="en", tenant=None,
                           backend=tr.LLMBackend(), data_level=AccessLevel.VERTRAULICH)


def test_configured_backend_is_a_one_line_setting(monkeypatch, libretranslate):
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_BACKEND", "libretranslate")
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_URL", libretranslate.url)
    backend = services.translation_backend()
    assert isinstance(backend, tr.LibreTranslateBackend)
    assert backend.max_level == AccessLevel.OFFEN


def test_glossary_memory_and_html_through_the_service(libretranslate, language_tenant):
    tenant = language_tenant
    GlossaryTerm.objects.create(tenant=tenant, term="Antrag", translations={"en": "request"})
    GlossaryTerm.objects.create(tenant=tenant, term="Welt", keep=True)
    backend = tr.LibreTranslateBackend(libretranslate.url)
    result = services.translate(HTML, target="en", tenant=tenant, fmt="html", backend=backend)
    assert '<a href="/antrag?x=1">application</a>' in result.text
    assert result.text.startswith('<h1 class="t">hello world</h1>')
    problems = {s.source: s.problems for s in result.segments}
    assert problems["Antrag"] == ["Glossar: „Antrag“ muss als „request“ erscheinen."]
    assert problems["Hallo Welt"] == ["Glossar: „Welt“ muss als „Welt“ erscheinen."]
    assert result.sent == len(result.segments) and result.reused == 0
    # Again, one segment edited: only that one is sent, the rest comes from memory.
    calls = len(libretranslate.requests)
    again = services.translate(HTML.replace("wichtig", "sehr wichtig"), target="en",
                               tenant=tenant, fmt="html", backend=backend)
    assert again.sent == 1 and again.reused == len(again.segments) - 1
    assert libretranslate.requests[calls:][0]["q"] == ["sehr wichtig"]
    assert MemoryEntry.objects.filter(tenant=tenant).count() == len(result.segments) + 1
    # Every request to the server is audited under the feature „language“.
    from aktenkundig.governance.models import AuditRecord

    assert AuditRecord.objects.filter(tenant=tenant, feature="language", kind="ai").count() == 2


def test_memory_is_per_tenant(libretranslate, language_tenant, other_tenant):
    backend = tr.LibreTranslateBackend(libretranslate.url)
    services.translate("Hallo Welt", target="en", tenant=language_tenant, backend=backend)
    result = services.translate("Hallo Welt", target="en", tenant=other_tenant, backend=backend)
    assert result.sent == 1 and result.reused == 0


def test_bad_input_is_refused_in_german(db):
    with pytest.raises(ValueError, match="Zielsprache"):
        services.translate("Hallo", target="xx", tenant=None)
    with pytest.raises(ValueError, match="Format"):
        services.translate("Hallo", target="en", tenant=None, fmt="pdf")


def test_fuzzy_memory_match_is_sent_with_the_earlier_translation(libretranslate,
                                                                 language_tenant):
    backend = tr.LibreTranslateBackend(libretranslate.url)
    services.translate("Der Antrag ist bis Freitag wichtig.", target="en",
                       tenant=language_tenant, backend=backend)
    result = services.translate("Der Antrag ist bis Montag wichtig.", target="en",
                                tenant=language_tenant, backend=backend)
    assert result.sent == 1 and result.segments[0].origin == "fuzzy"
    unrelated = services.translate("Hallo Welt", target="en", tenant=language_tenant,
                                   backend=backend)
    assert unrelated.segments[0].origin == "machine"
