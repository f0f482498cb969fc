"""End to end in real headless Chromium against a live server.

One person of the Landkreis Nord uploads a PDF, waits until it is indexed, asks,
sees and opens a citation, gives feedback, deletes the document and asks again:
the document is no longer cited. A person of another tenant sees none of it.
Every page visited passes axe-core (no serious or critical violations), and
screenshots of the main pages go to $AKTENKUNDIG_SCREENSHOTS_DIR (docs/screenshots/).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aktenkundig.accounts.models import Role
from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import get_or_create_collection
from aktenkundig.history.models import Feedback
from aktenkundig.testing.accounts import PASSWORD
from aktenkundig.testing.browser import allow_console_error, check_accessibility, screenshot
from aktenkundig.testing.pdf import text_pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "Wie hoch ist die Hundesteuer für den ersten Hund?"


def log_in(page, username: str) -> None:
    page.goto("/konto/anmelden/")
    page.get_by_label("Anmeldename").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Guten Tag")


def log_out(page) -> None:
    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile(r"/konto/anmelden/"))


def ask(page, question: str):
    page.goto("/assistent/")
    page.get_by_label("Ihre Frage").fill(question)
    page.get_by_role("button", name="Fragen", exact=True).click()
    answer = page.locator("#answers article.turn").last
    # The first answer may wait for the embedding model to load.
    expect(page.locator("#live")).to_have_attribute("aria-busy", "false", timeout=90_000)
    expect(answer).to_be_visible()
    return answer


@pytest.fixture
def scene(transactional_db, make_user, tenant, other_tenant, tmp_path):
    satzungen = get_or_create_collection(tenant, "Satzungen", AccessLevel.OFFEN)
    get_or_create_collection(tenant, "Dienstanweisungen", AccessLevel.INTERN)
    get_or_create_collection(other_tenant, "Satzungen", AccessLevel.OFFEN)
    make_user("fritz", tenant, [Role.STAFF, Role.SUBJECT_ADMIN, Role.ADMINISTRATOR],
              unit="Amt 32", first_name="Fritz", is_staff=True)
    make_user("mallory", other_tenant, [Role.ADMINISTRATOR], clearance=AccessLevel.VS_NFD)
    pdf = tmp_path / "Hundesteuersatzung.pdf"
    pdf.write_bytes(text_pdf(
        [["Satzung über die Erhebung der Hundesteuer", "§ 1 Steuergegenstand",
          "Die Gemeinde erhebt eine Hundesteuer für das Halten von Hunden.",
          "§ 2 Steuersatz",
          "Die Hundesteuer beträgt für den ersten Hund 96 Euro im Jahr.",
          "Für jeden weiteren Hund beträgt die Steuer 144 Euro im Jahr."],
         ["§ 3 Steuerbefreiungen",
          "Steuerfrei ist das Halten von Blindenführhunden."]],
        title="Hundesteuersatzung",
    ))
    return {"pdf": pdf, "collection": satzungen}


def test_staff_journey_end_to_end(page, scene):
    page.goto("/konto/anmelden/")
    check_accessibility(page)
    screenshot(page, "01-anmelden")
    log_in(page, "fritz")
    check_accessibility(page)

    # Upload (through the real file input; the drop zone uses the same form).
    page.goto("/dokumente/")
    page.get_by_label("Sammlung", exact=True).first.select_option(label="Satzungen (offen)")
    page.get_by_label("Dateien auswählen").set_input_files(str(scene["pdf"]))
    page.get_by_role("button", name="Hochladen").click()
    row = page.locator("#document-rows tr", has_text="Hundesteuer")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "indexed",
                                                            timeout=60_000)
    check_accessibility(page)
    screenshot(page, "02-dokumente")

    # Ask: streamed answer with a numbered citation, marked as automatically made.
    answer = ask(page, QUESTION)
    expect(answer).to_contain_text("96 Euro")
    expect(answer.locator(".ai-label")).to_be_visible()
    citation = answer.locator("a.cite").first
    expect(citation).to_have_text("[1]")
    check_accessibility(page)
    screenshot(page, "03-fragen")

    # Feedback: a thumb, then the reasons, sent without reloading the page.
    answer.get_by_role("button", name="nicht hilfreich").click()
    answer.get_by_label("veraltet").check()
    answer.get_by_label("Anmerkung (freiwillig)").fill("Satzung wurde 2024 geändert")
    answer.get_by_role("button", name="Rückmeldung senden").click()
    expect(answer.locator(".feedback-thanks")).to_contain_text("veraltet")
    assert Feedback.objects.get().reasons == ["veraltet"]

    # The citation opens the passage, highlighted, with the original downloadable.
    citation.click()
    highlighted = page.locator(".passage.highlight")
    expect(highlighted).to_contain_text("96 Euro")
    expect(highlighted).to_be_in_viewport()
    with page.expect_download() as download:
        page.get_by_role("link", name="Originaldatei herunterladen").click()
    assert download.value.suggested_filename == "Hundesteuersatzung.pdf"
    check_accessibility(page)
    screenshot(page, "04-quelle")

    for path, name in [("/verlauf/", "05-verlauf"), ("/verlauf/rueckmeldungen/",
                       "06-rueckmeldungen"), ("/verwaltung/", "07-verwaltung"),
                       ("/konto/", None), ("/", "00-start")]:
        page.goto(path)
        check_accessibility(page)
        if name:
            screenshot(page, name)
    expect(page.locator("main")).to_contain_text("Hundesteuer")  # recent questions

    # KI-Governance from the navigation; the kill switch takes effect at once.
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    for label in ("KI-Register", "Schulung", "Aufsicht", "Schalter"):
        nav.get_by_role("link", name=label, exact=True).click()
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page")
        check_accessibility(page)
    page.locator("#reason-assistant").fill("Test der Abschaltung")
    page.locator("tr", has=page.locator("#reason-assistant")).get_by_role(
        "button", name="Sofort abschalten").click()
    allow_console_error(page, "status of 403")
    page.goto("/assistent/")
    expect(page.locator("main [role=alert]").first).to_contain_text("Test der Abschaltung")
    expect(page.get_by_role("link", name="Zur Dokumentenbibliothek")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "08-ki-abgeschaltet")
    nav.get_by_role("link", name="Schalter", exact=True).click()
    page.locator("tr", has_text="KI-Assistent für Beschäftigte").get_by_role(
        "button", name="Wieder einschalten").click()

    # Delete: the document is gone from all future answers.
    page.goto("/dokumente/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#document-rows tr", has_text="Hundesteuer").get_by_role(
        "button", name=re.compile("Löschen")).click()
    expect(page.locator(".messages")).to_contain_text("gelöscht")
    again = ask(page, QUESTION)
    expect(again.locator("a.cite")).to_have_count(0)
    expect(again).not_to_contain_text("96 Euro")
    log_out(page)


def test_other_tenant_sees_nothing(page, scene, make_document):
    make_document(scene["collection"], "Hundesteuersatzung",
                  [("§ 2 Steuersatz", "Die Hundesteuer beträgt 96 Euro.")])
    log_in(page, "mallory")
    page.goto("/dokumente/")
    expect(page.locator("#document-rows")).to_contain_text("Keine Dokumente gefunden")
    expect(page.locator("main")).not_to_contain_text("Hundesteuer")
    answer = ask(page, QUESTION)
    expect(answer.locator("a.cite")).to_have_count(0)
    document_id = scene["collection"].documents.get().pk
    # Same cookies as the page, without a console error for the expected 404.
    assert page.request.get(f"/dokumente/{document_id}/").status == 404
    assert page.request.get(f"/dokumente/{document_id}/original/").status == 404
    page.goto("/verlauf/")
    expect(page.locator("main")).not_to_contain_text("Fritz")


def test_stop_button_and_keyboard_only_asking(page, scene, make_document):
    make_document(scene["collection"], "Hundesteuersatzung",
                  [("§ 2 Steuersatz", "Die Hundesteuer beträgt für den ersten Hund 96 Euro.")])
    log_in(page, "fritz")
    page.goto("/assistent/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.get_by_label("Ihre Frage").focus()
    page.keyboard.type(QUESTION)
    page.keyboard.press("Tab")  # the send button
    expect(page.get_by_role("button", name="Fragen", exact=True)).to_be_focused()
    page.keyboard.press("Tab")  # Suchbereich (collapsed)
    page.keyboard.press("Enter")  # opens it
    page.keyboard.press("Tab")  # Dienstanweisungen
    page.keyboard.press("Tab")  # Satzungen
    page.keyboard.press("Space")
    expect(page.get_by_label("Satzungen")).to_be_checked()
    page.get_by_label("Ihre Frage").focus()
    page.keyboard.press("Enter")  # sends, as in any chat
    answer = page.locator("#answers article.turn").last
    expect(answer).to_contain_text("96 Euro", timeout=90_000)
    expect(page.get_by_role("button", name="Stopp")).to_be_hidden()
    # Focus returns to the question box for the next question; the answer is
    # announced through the live region.
    expect(page.get_by_label("Ihre Frage")).to_be_focused()
    expect(page.locator("#chat-status")).to_have_text("Antwort fertig.")


def test_api_docs_render_under_the_content_security_policy(page, transactional_db):
    page.goto("/api/docs")
    expect(page.locator("#swagger-ui")).to_contain_text("aktenkundig API")
    expect(page.locator("#swagger-ui")).to_contain_text("/api/assistant/ask")
    check_accessibility(page)
    # an operation opened from the keyboard, with its parameters and responses
    page.locator(".opblock-summary-control").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".opblock-body").first).to_be_visible()
    check_accessibility(page)
    screenshot(page, "08-api-docs")
