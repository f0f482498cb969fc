"""The ask page is a chat (issue #9, point 4), in real headless Chromium.

What people expect from ChatGPT, Open WebUI or MUCGPT: Enter sends and Shift+Enter
makes a new line, the question box stays below the conversation, a follow-up
question („Und wann ist sie fällig?“) is understood from the conversation, the
conversation survives a reload and a click on a citation, the conversations are
listed, feedback is a thumb that opens the reasons only on demand, and one can
ask about one chosen document only. Every state passes axe-core; screenshots go
to $AKTENKUNDIG_SCREENSHOTS_DIR.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aktenkundig.accounts.models import Role
from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import get_or_create_collection
from aktenkundig.history.models import Feedback, Turn
from aktenkundig.testing.browser import check_accessibility, screenshot
from aktenkundig.web.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST = "Wie hoch ist die Hundesteuer für den zweiten Hund?"
FOLLOW_UP = "Und wann ist sie fällig?"


@pytest.fixture
def chat(transactional_db, make_user, tenant, make_document):
    satzungen = get_or_create_collection(tenant, "Satzungen", AccessLevel.OFFEN)
    make_user("fritz", tenant, [Role.STAFF], unit="Amt 32", first_name="Fritz")
    hunde = make_document(satzungen, "Hundesteuersatzung", [
        ("§ 5 Steuersatz", "Die Hundesteuer beträgt für den ersten Hund 96 Euro und für den "
                           "zweiten Hund 144 Euro im Jahr."),
        ("§ 7 Fälligkeit", "Die Hundesteuer wird am 1. Juli eines jeden Jahres mit dem "
                           "Jahresbetrag fällig."),
    ])  # fmt: skip
    friedhof = make_document(satzungen, "Friedhofssatzung", [
        ("§ 12 Ruhezeit", "Die Ruhezeit für Erdbestattungen beträgt 25 Jahre. Die Gebühr "
                          "wird mit der Bekanntgabe des Bescheides fällig."),
    ])  # fmt: skip
    return {"hunde": hunde, "friedhof": friedhof}


def _send_with_enter(page, question: str):
    box = page.get_by_label("Ihre Frage")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#live")).to_have_attribute("aria-busy", "false", timeout=90_000)
    turn = page.locator("#answers article.turn").last
    expect(turn.locator(".question")).to_have_text(question)
    return turn


def test_chat_enter_follow_up_reload_citation_list_and_thumbs(page, chat):
    log_in(page, "fritz")
    page.goto("/assistent/")
    check_accessibility(page)

    # Shift+Enter is a new line, Enter sends.
    box = page.get_by_label("Ihre Frage")
    box.fill("Zeile eins")
    box.press("Shift+Enter")
    box.press_sequentially("Zeile zwei")
    assert box.input_value() == "Zeile eins\nZeile zwei"
    assert Turn.objects.count() == 0

    first = _send_with_enter(page, FIRST)
    expect(first).to_contain_text("144 Euro")
    expect(box).to_have_value("")
    expect(box).to_be_focused()  # ready for the next question
    expect(page).to_have_url(re.compile(r"/assistent/\?unterhaltung=\d+"))
    conversation_id = Turn.objects.get().conversation_id

    # The follow-up is understood from the first question, for retrieval too.
    second = _send_with_enter(page, FOLLOW_UP)
    expect(second).to_contain_text("1. Juli")
    expect(second.locator(".understood")).to_contain_text("Hundesteuer")
    expect(second.locator("a.cite").first).to_be_visible()
    assert Turn.objects.filter(conversation_id=conversation_id).count() == 2

    # The question box stays below the conversation.
    composer = page.locator("#ask-form").bounding_box()
    assert composer["y"] > second.bounding_box()["y"]
    # The conversation is listed, and marked as the current one.
    current = page.locator("#conversation-list a[aria-current=page]")
    expect(current).to_have_text(FIRST)
    check_accessibility(page)
    screenshot(page, "09-chat-rueckfrage")

    # Reload: the conversation is still there.
    page.reload()
    expect(page.locator("#answers article.turn")).to_have_count(2)
    # A citation opens the passage; back returns to the conversation.
    page.locator("#answers article.turn").last.locator("a.cite").first.click()
    expect(page.locator(".passage.highlight")).to_contain_text("1. Juli")
    page.go_back()
    expect(page.locator("#answers article.turn")).to_have_count(2)

    # Away to the documents and back through the navigation: still there.
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Dokumente", exact=True).click()
    nav.get_by_role("link", name="Fragen", exact=True).click()
    expect(page.locator("#answers article.turn")).to_have_count(2)

    # A new conversation starts empty; the old one is one click away.
    page.get_by_role("link", name="Neue Unterhaltung").click()
    expect(page.locator("#answers article.turn")).to_have_count(0)
    page.locator("#conversation-list").get_by_role("link", name=FIRST).click()
    turns = page.locator("#answers article.turn")
    expect(turns).to_have_count(2)

    # Feedback: thumbs; the reasons open only after a thumbs down.
    first, second = turns.nth(0), turns.nth(1)
    expect(first.get_by_label("veraltet")).to_have_count(0)
    first.get_by_role("button", name="hilfreich", exact=True).click()
    expect(first.locator(".feedback-thanks")).to_contain_text("hilfreich")
    second.get_by_role("button", name="nicht hilfreich").click()
    expect(second.get_by_label("veraltet")).to_be_visible()
    second.get_by_label("veraltet").check()
    second.get_by_role("button", name="Rückmeldung senden").click()
    expect(second.locator(".feedback-thanks")).to_contain_text("veraltet")
    assert sorted(Feedback.objects.values_list("helpful", flat=True)) == [False, True]
    assert Feedback.objects.get(helpful=False).reasons == ["veraltet"]
    check_accessibility(page)


def test_chat_about_one_document_only(page, chat):
    log_in(page, "fritz")
    page.goto(f"/dokumente/{chat['friedhof'].pk}/")
    page.get_by_role("link", name="Fragen zu diesem Dokument").click()
    expect(page.locator("#scope-chip")).to_contain_text("Friedhofssatzung")
    check_accessibility(page)
    # „fällig“ is in both documents; only the chosen one may answer.
    turn = _send_with_enter(page, "Wann wird die Gebühr fällig?")
    expect(turn.locator(".understood")).to_contain_text("nur in „Friedhofssatzung“")
    expect(turn.locator(".sources")).to_contain_text("Friedhofssatzung")
    expect(turn.locator(".sources")).not_to_contain_text("Hundesteuersatzung")
    expect(page).to_have_url(re.compile(rf"dokument={chat['friedhof'].pk}"))
    screenshot(page, "10-chat-dokument")
    # The scope survives a reload, and can be left.
    page.reload()
    expect(page.locator("#scope-chip")).to_be_visible()
    page.get_by_role("link", name="in allen Dokumenten fragen").click()
    expect(page.locator("#scope-chip")).to_have_count(0)
    turn = _send_with_enter(page, "Wann wird die Hundesteuer fällig?")
    expect(turn.locator(".sources")).to_contain_text("Hundesteuersatzung")
