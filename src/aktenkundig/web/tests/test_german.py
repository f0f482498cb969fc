"""The German interface is German (issue #9, point 8): no English help texts or
labels, no role keys, on the pages staff open (the governance pages have their own
test for the English side, governance/tests/test_english.py)."""

from __future__ import annotations

import html
import re

from aktenkundig.accounts.models import Role
from aktenkundig.core.models import AccessLevel

ENGLISH = re.compile(r"\b(the|and|of|to|is|are|for|with|this|that|Empty|can|be|only|Only)\b")
ROLE_KEYS = re.compile(r"\b(beschaeftigte|fachadmin|ki_beauftragte)\b")


def _text(page: str) -> str:
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_staff_pages_in_german_have_no_english_text_and_no_role_keys(
        client, make_user, tenant, satzungen, make_document):
    document = make_document(satzungen, "Hundesteuersatzung", [("§ 1", "Steuer")])
    person = make_user("verwaltung", tenant, [Role.ADMINISTRATOR, Role.AI_OFFICER,
                                              Role.SUBJECT_ADMIN], clearance=AccessLevel.VS_NFD)
    client.force_login(person)
    for url in ("/", "/assistent/", "/dokumente/", f"/dokumente/{document.pk}/", "/verlauf/",
                "/verlauf/rueckmeldungen/", "/verwaltung/", "/konto/",
                f"/dokumente/sammlungen/{satzungen.pk}/", "/dokumente/sammlungen/neu/",
                "/governance/register/", "/governance/dashboard/", "/governance/schalter/",
                "/governance/protokoll/", "/governance/richtlinie/assistant/",
                f"/governance/{tenant.slug}/ki-register/"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response.content.decode())
        assert not ENGLISH.findall(text), (url, ENGLISH.findall(text), text[:2000])
        assert not ROLE_KEYS.findall(text), (url, text[:2000])


def test_overview_in_english_has_no_german_model_note(client, make_user, tenant, monkeypatch):
    from django.conf import settings

    monkeypatch.delenv("AKTENKUNDIG_EMBEDDINGS_URL", raising=False)
    person = make_user("verwaltung", tenant, [Role.ADMINISTRATOR])
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _text(client.get("/verwaltung/").content.decode())
    assert "multilingual-e5-small (local)" in text and "(lokal)" not in text
