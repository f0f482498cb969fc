"""The citizen chat in real Chromium: an English question gets the German source
with English labels, and asking for a person opens the hand-over form (issue #9,
points 2 and 6). axe-core: no serious or critical violations."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from aktenkundig.core.models import AccessLevel, Collection
from aktenkundig.documents.services import ingest_paths
from aktenkundig.search.services import embed_pending
from aktenkundig.testing.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def scene(transactional_db, tenant):
    public = Collection.objects.create(
        tenant=tenant, name="Satzungen und FAQ", access_level=AccessLevel.OFFEN, is_public=True
    )
    assert ingest_paths([FIXTURES / "oeffentlich"], public).ok
    embed_pending(tenant=tenant)
    return tenant


def _send(page, text: str):
    page.get_by_label("Ihre Frage").fill(text)
    page.get_by_role("button", name="Frage senden").click()
    answer = page.locator("#conversation article.answer").last
    expect(page.locator("#ask-form")).not_to_have_attribute("aria-busy", "true", timeout=60_000)
    return answer


def test_english_question_and_asking_for_a_person(page, scene):
    page.goto(f"/buerger/{scene.slug}/")
    answer = _send(page, "How much is the dog tax for the first dog?")
    expect(answer).to_contain_text("96 Euro")
    expect(answer.locator("h3")).to_have_text("Sources")
    expect(answer).to_contain_text("This answer is in German")
    expect(answer.get_by_role("button", name="Yes")).to_be_visible()
    expect(page.locator("#handover")).not_to_have_attribute("open", "")
    check_accessibility(page)
    screenshot(page, "buerger-chat-englisch")

    answer = _send(page, "I would like to talk to a person")
    expect(answer).to_contain_text("pass your request on")
    expect(page.locator("#handover")).to_have_attribute("open", "")
    expect(page.locator("#contact")).to_be_focused()
    check_accessibility(page)


def test_an_english_browser_gets_an_english_page_and_enter_sends(browser, live_server, scene):
    """The whole page follows the citizen's browser language, not only the answer's
    labels; and, as in every chat, Enter sends (Shift+Enter: a new line)."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"/buerger/{scene.slug}/")
        expect(page.locator("#disclosure-title")).to_contain_text("You are writing with the AI")
        expect(page.get_by_role("button", name="Send question")).to_be_visible()
        box = page.get_by_label("Your question")
        box.fill("How much is the dog tax")
        box.press("Shift+Enter")
        box.type("for the first dog?")
        assert "\n" in box.input_value()
        box.press("Enter")
        answer = page.locator("#conversation article.answer").last
        expect(answer).to_contain_text("96 Euro", timeout=60_000)
        check_accessibility(page)
    finally:
        context.close()
