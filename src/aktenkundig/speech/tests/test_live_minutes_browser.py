"""The Niederschrift section of an ended live session in real headless Chromium,
served by a real uvicorn: reached and used with the keyboard only, HTMX swaps the
section in place with the reason (here: the model does not answer), focus stays
on the button, and the page stays axe clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aktenkundig.speech import live
from aktenkundig.speech.models import LiveSession, LiveStatus
from aktenkundig.speech.streaming import Line, TimedWord
from aktenkundig.testing.accounts import PASSWORD
from aktenkundig.testing.browser import check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_draft_button_with_the_keyboard(browser, asgi_server, speech_tenant, staff_member,
                                        llm_down):
    session = LiveSession.objects.create(tenant=speech_tenant, created_by=staff_member,
                                         title="Kreistag", status=LiveStatus.ENDED)
    text = "Der Haushalt wird beschlossen."
    words = [TimedWord(w, 1 + i * 0.4, 1.3 + i * 0.4, 0.9) for i, w in enumerate(text.split())]
    live.add_lines(session, [Line(1.0, words[-1].end, text, 0.9, words)])
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []  # CSP violations and script errors fail the test
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = f"http://{asgi_server}"
    page.goto(f"{base}/konto/anmelden/")
    page.get_by_label("Anmeldename").fill(staff_member.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.goto(f"{base}/untertitel/live/{session.pk}/")
    section = page.get_by_role("region", name="Entwurf der Niederschrift")
    button = section.get_by_role("button", name="Entwurf erstellen")
    expect(button).to_be_visible()
    check_accessibility(page)

    # Keyboard only: tab from the download link just before the section to the button.
    page.get_by_role("link", name="Wortprotokoll (Text mit Zeiten) herunterladen").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    alert = section.get_by_role("alert")
    expect(alert).to_contain_text("Kein Entwurf der Niederschrift möglich")
    expect(page).to_have_url(f"{base}/untertitel/live/{session.pk}/")  # swapped, no reload
    expect(section.get_by_role("button", name="Entwurf erstellen")).to_be_focused()
    check_accessibility(page)
    context.close()
    assert not errors, errors
