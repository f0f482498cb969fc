"""The language pages in real headless Chromium with axe-core: a caseworker
pastes a text and sees each finding marked with its explanation (keyboard:
the number after a mark jumps to its explanation); a reviewer approves the
segments of a translation (one edited) and publishes it, marked "maschinell
übersetzt"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aktenkundig.language import services
from aktenkundig.language.tests.test_checker import HARD
from aktenkundig.testing.accounts import PASSWORD
from aktenkundig.testing.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(page, username: str) -> None:
    page.goto("/konto/anmelden/")
    page.get_by_label("Anmeldename").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Guten Tag")


def test_check_page_marks_findings(page, transactional_db, staff_member):
    log_in(page, staff_member.username)
    page.get_by_role("link", name="Sprachdienste", exact=True).click()
    check_accessibility(page)
    page.get_by_label("Text (zum Beispiel ein Bescheid oder ein Brief)").fill(HARD)
    page.get_by_role("button", name="Prüfen").click()
    expect(page.locator("#marked-text mark").first).to_be_visible()
    expect(page.locator("#simplify-unavailable")).to_be_visible()
    first = page.locator("#marked-text a.finding-ref").first
    first.focus()
    page.keyboard.press("Enter")
    target = first.get_attribute("href")
    expect(page.locator(target)).to_contain_text("–")
    check_accessibility(page)
    screenshot(page, "language-check")


def test_review_and_publish(page, transactional_db, staff_member):
    result = services.TranslateResult(
        "", "en",
        [services.SegmentResult("Hallo Welt.", "Hello world.", "machine"),
         services.SegmentResult("Der Antrag.", "The aplication.", "machine",
                                ["Glossar: „Antrag“ muss als „request“ erscheinen."])],
        "test", 2, 0)
    item = services.create_review(result, tenant=staff_member.membership.tenant,
                                  source_text="Hallo Welt.\n\nDer Antrag.", title="Merkblatt")
    log_in(page, staff_member.username)
    page.goto(item.get_absolute_url())
    expect(page.get_by_role("button", name="Veröffentlichen")).to_be_disabled()
    check_accessibility(page)
    page.get_by_role("button", name="Abschnitt 1 freigeben").click()
    page.get_by_label("Übersetzung von Abschnitt 2").fill("The request.")
    page.get_by_role("button", name="Abschnitt 2 freigeben").click()
    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.locator("#published-text")).to_have_text("Hello world.\n\nThe request.")
    expect(page.locator(".ai-label").first).to_have_text("maschinell übersetzt")
    check_accessibility(page)
    screenshot(page, "language-review")


def test_collection_batch_runs_and_offers_the_export(page, transactional_db, staff_member,
                                                      language_tenant, satzungen, make_document,
                                                      libretranslate, monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_BACKEND", "libretranslate")
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_URL", libretranslate.url)
    make_document(satzungen, "Hundesteuer", [("§ 1", "Der Antrag ist schriftlich zu stellen.")])
    log_in(page, staff_member.username)
    page.goto("/sprachdienste/uebersetzen/stapel/")
    check_accessibility(page)
    page.get_by_label("Sammlung").select_option(label="Satzungen (offen)")
    page.get_by_label("Englisch").check()
    page.get_by_label("Türkisch").focus()
    page.keyboard.press("Space")  # keyboard works as well as the mouse
    page.get_by_role("button", name="Übersetzung starten").click()
    expect(page.locator("#batch-status")).to_contain_text("2 von 2 Übersetzungen")
    expect(page.get_by_role("link", name="Englisch herunterladen (ZIP)")).to_be_visible()
    expect(page.get_by_role("link", name="Hundesteuer").first).to_be_visible()
    check_accessibility(page)


def test_draft_and_summary_pages_are_accessible(page, transactional_db, subject_admin,
                                                 language_tenant, monkeypatch):
    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    log_in(page, subject_admin.username)
    page.goto("/sprachdienste/entwurf/")
    expect(page.locator("#draft-unavailable")).to_be_visible()
    expect(page.locator("#templates-heading")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Zusammenfassen").click()
    expect(page.locator("#summary-unavailable")).to_be_visible()
    check_accessibility(page)
