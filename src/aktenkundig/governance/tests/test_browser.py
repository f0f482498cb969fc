"""The governance pages in real headless Chromium, as a KI-Beauftragte and an
administrator first used them (issue #9, point 7): every page passes axe-core.

* saving a KI-Register entry without changes keeps „Nächste Überprüfung“ (the
  browser's date input used to show the German-formatted date as empty, and the
  save erased it) and the oversight page does not turn to „überfällig“;
* the audit log opens from the navigation and its check button reports the chain;
* the kill switch refuses an empty reason in German, at the field;
* the KI-Führerschein quiz marks the wrong answer at its question;
* every message appears once.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aktenkundig.governance.models import RegisterEntry
from aktenkundig.testing.browser import allow_console_error, check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "geheim-genug-123"  # the governance test users (see conftest)


def log_in(page, username: str) -> None:
    page.goto("/konto/anmelden/")
    page.get_by_label("Anmeldename").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Guten Tag")


def test_register_audit_log_switches_and_quiz_in_the_browser(
        page, transactional_db, tenant, editor, officer, admin_user, live):
    entry = live("assistant")
    review = entry.next_review_date
    log_in(page, "ki-beauftragte")

    page.goto(f"/governance/register/{entry.pk}/")
    field = page.get_by_label("Nächste Überprüfung")
    expect(field).to_have_value(review.isoformat())  # the browser shows the date
    check_accessibility(page)
    page.get_by_role("button", name="Entwurf speichern").click()
    messages = page.locator("main .message")
    expect(messages).to_have_count(1)
    expect(messages.first).to_contain_text("Keine Änderungen")
    expect(page.get_by_label("Nächste Überprüfung")).to_have_value(review.isoformat())
    entry = RegisterEntry.objects.get(pk=entry.pk)
    assert entry.next_review_date == review and entry.state == "approved"

    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Aufsicht", exact=True).click()
    main = page.locator("main")
    expect(main).to_contain_text("Keine Auffälligkeiten")
    expect(main).not_to_contain_text("überfällig")
    expect(main.get_by_role("table", name=re.compile("in den letzten 30 Tagen"))).to_be_visible()
    check_accessibility(page)

    nav.get_by_role("link", name="Protokoll", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("KI-Protokoll")
    expect(main).to_contain_text("KI-Register: freigegeben")
    page.get_by_role("button", name="Kette jetzt prüfen").click()
    expect(page.locator("#verification")).to_contain_text("Kette in Ordnung")
    page.locator("details summary").first.click()
    check_accessibility(page)
    screenshot(page, "10-ki-protokoll")

    # The quiz: one wrong answer, marked at its question with the explanation.
    page.goto("/governance/schulung/grundlagen/")
    questions = page.locator("form fieldset")
    questions.nth(0).get_by_label("Es schlägt in einer geprüften Datenbank nach").check()
    for index, label in ((1, "Die angegebene Textstelle öffnen"),
                         (2, "Die Person, die entscheidet"), (3, "Passende Textstellen finden")):
        questions.nth(index).get_by_label(re.compile(label)).check()
    page.get_by_role("button", name="Antworten abgeben").click()
    expect(page.locator("main .message")).to_have_count(1)
    first = page.locator("form fieldset").nth(0)
    expect(first.locator(".errorlist")).to_contain_text("Diese Antwort war nicht richtig.")
    expect(page.locator("form .errorlist")).to_have_count(1)
    expect(page.locator("#quiz-result")).to_contain_text("1 Antwort war nicht richtig")
    check_accessibility(page)

    # Kill switch as the administrator: an empty reason is refused at the field.
    page.get_by_role("button", name="Abmelden").click()
    log_in(page, "administration")
    page.goto("/governance/schalter/")
    row = page.locator("tr", has=page.locator("#reason-assistant"))
    allow_console_error(page, "status of 400")  # the refused form answers 400 on purpose
    row.get_by_role("button", name="Sofort abschalten").click()
    expect(page.locator("#reason-assistant-error")).to_contain_text("Bitte geben Sie einen Grund")
    expect(page.locator("#reason-assistant")).to_have_attribute("aria-invalid", "true")
    inbox = page.locator("tr", has_text="Posteingang")
    expect(inbox.get_by_role("button", name="Sofort abschalten")).to_have_count(0)
    check_accessibility(page)
    page.locator("#reason-assistant").fill("Falsche Gebühren genannt")
    page.locator("tr", has=page.locator("#reason-assistant")).get_by_role(
        "button", name="Sofort abschalten").click()
    expect(page.locator("main .message")).to_have_count(1)
    row = page.locator("tr", has_text="KI-Assistent für Beschäftigte").first
    expect(row).to_contain_text("von administration")
    expect(row).to_contain_text("Falsche Gebühren genannt")
    check_accessibility(page)
