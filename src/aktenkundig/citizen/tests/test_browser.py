"""End to end in real headless Chromium against a live server.

A municipality's website (a static test page from its own loopback HTTP server,
so a different origin than the chat) embeds the chat with the one-line snippet.
A citizen asks a question the public Hundesteuersatzung answers, sees the source
link and the AI disclosure, and asks for a person (consent + e-mail). A member
of the hand-over team logs in, sees the request, answers and closes it; the
citizen's conversation then shows the answer. axe-core: no serious or critical
violations on the chat and the staff pages.
"""

from __future__ import annotations

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from aktenkundig.accounts.models import Role
from aktenkundig.citizen.models import ChannelSettings, HandoverRequest, HandoverStatus
from aktenkundig.citizen.tests.conftest import PASSWORD, member
from aktenkundig.core.models import AccessLevel, Collection
from aktenkundig.documents.services import ingest_paths
from aktenkundig.testing.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
QUESTION = "Wie hoch ist die Hundesteuer für den ersten Hund?"
STAFF_ANSWER = "Die Hundesteuer für den ersten Hund beträgt 96 Euro; die Anmeldung geht online."


def website(live_url: str, tenant: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Stadt Musterstadt</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Willkommen in Musterstadt</h1>
<p>Fragen Sie unseren digitalen Assistenten:</p>
<script src="{live_url}/buerger/embed.js" data-tenant="{tenant}" async></script>
</main></body></html>"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def website_url(tmp_path, live_server, tenant):
    """The municipality's site: one static page with the snippet, on 127.0.0.1
    (the live server is on localhost: another origin, both on loopback)."""
    (tmp_path / "index.html").write_text(website(live_server.url, tenant.slug), encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def scene(transactional_db, tenant, website_url):
    ChannelSettings.objects.filter(tenant=tenant).update(allowed_origins=website_url)
    public = Collection.objects.create(
        tenant=tenant, name="Satzungen und FAQ", access_level=AccessLevel.OFFEN, is_public=True
    )
    assert ingest_paths([FIXTURES / "oeffentlich"], public).ok
    return member(tenant, "buergerbuero", [Role.STAFF], unit="Bürgerbüro")


def test_citizen_embeds_asks_hands_over_and_staff_answers(
    page, live_server, tenant, scene, website_url
):
    page.goto(f"{website_url}/index.html")
    frame_element = page.locator("iframe")
    expect(frame_element).to_have_attribute("title", re.compile("KI-Assistent"))
    chat = page.frame_locator("iframe")

    # Disclosure first, with the public register entry.
    disclosure = chat.locator("#disclosure")
    expect(disclosure).to_contain_text("nicht mit einem Menschen")
    register_link = disclosure.get_by_role(
        "link", name="Dieser Assistent im öffentlichen KI-Register"
    )
    expect(register_link).to_have_attribute(
        "href", f"/governance/{tenant.slug}/ki-register/citizen/"
    )

    chat.get_by_label("Ihre Frage").fill(QUESTION)
    chat.get_by_role("button", name="Frage senden").click()
    # The first answer may wait for the embedding model to load.
    answer = chat.locator("article.answer").last
    expect(answer).to_be_visible(timeout=90_000)
    expect(answer).to_have_attribute("data-ai-assistant", "true")
    expect(answer).to_contain_text("96 Euro")
    source = answer.locator("ol.sources a").first
    expect(source).to_contain_text("Hundesteuer")
    expect(source).to_have_attribute(
        "href", re.compile(rf"^/buerger/{tenant.slug}/dokumente/\d+/")
    )
    expect(answer).to_contain_text("Verbindliche Auskünfte")

    frame = page.frame(url=re.compile(r"/buerger/"))
    check_accessibility(frame)
    screenshot(page, "buerger-chat-eingebettet")

    # Hand-over: consent and an e-mail address.
    chat.get_by_text("Mit einem Menschen sprechen").click()
    chat.get_by_label("E-Mail", exact=True).check()
    chat.get_by_label("E-Mail-Adresse oder Telefonnummer").fill("erika@example.org")
    chat.get_by_label("Ihr Anliegen (freiwillig)").fill("Kann ich den Hund online anmelden?")
    chat.get_by_label(re.compile("Ich willige ein")).check()
    chat.get_by_role("button", name="Anfrage weiterleiten").click()
    expect(chat.locator("#handover-created")).to_contain_text("weitergeleitet")
    request = HandoverRequest.objects.get(tenant=tenant)
    assert request.status == HandoverStatus.OPEN

    # A member of the hand-over team, in the staff web app.
    staff = page.context.new_page()
    staff.goto(f"{live_server.url}/konto/anmelden/")
    staff.get_by_label("Anmeldename").fill("buergerbuero")
    staff.get_by_label("Passwort").fill(PASSWORD)
    staff.get_by_role("button", name="Anmelden").click()
    staff.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Bürger-Chat"
    ).click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Weiterleitungen")
    check_accessibility(staff)
    staff.get_by_role("link", name=f"#{request.pk}").click()
    expect(staff.locator("main")).to_contain_text("erika@example.org")
    expect(staff.locator("main")).to_contain_text(QUESTION)
    check_accessibility(staff)
    staff.get_by_label("Antwort an die Bürgerin / den Bürger").fill(STAFF_ANSWER)
    staff.get_by_role("button", name="Antwort speichern").click()
    expect(staff.locator("#handover-answer")).to_contain_text(STAFF_ANSWER)
    staff.get_by_role("button", name=re.compile("Anfrage abschließen")).click()
    expect(staff.locator("#handover-contact")).to_contain_text("gelöscht")
    request.refresh_from_db()
    assert request.status == HandoverStatus.CLOSED and request.answer == STAFF_ANSWER
    assert request.contact_encrypted == ""
    staff.close()

    # Back on the municipality's page: the conversation shows the staff answer.
    chat.get_by_role("button", name="Gespräch aktualisieren").click()
    staff_message = chat.locator("li.message.staff")
    expect(staff_message).to_contain_text(STAFF_ANSWER)
    expect(chat.locator("article.answer").first).to_contain_text("96 Euro")
