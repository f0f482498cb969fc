"""Live subtitles in real headless Chromium with axe-core, served by a real
uvicorn (so the pages' WebSockets work): the corrector edits a line with the
keyboard only, and the public audience page, opened without any login, shows the
correction, switches font size and contrast, stays axe clean and never gets a
cookie."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aktenkundig.speech import live
from aktenkundig.speech.models import LiveSession
from aktenkundig.speech.streaming import Line, TimedWord
from aktenkundig.testing.accounts import PASSWORD, approve_assistant
from aktenkundig.testing.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _line(text: str, start: float, p: float) -> Line:
    words = [TimedWord(w, start + i * 0.4, start + i * 0.4 + 0.3, p if i == 1 else 0.95)
             for i, w in enumerate(text.split())]
    return Line(start, words[-1].end, text, p, words)


def test_correct_with_keyboard_and_audience_sees_it(browser, asgi_server, tenant, staff_member):
    approve_assistant(tenant, "speech_live")
    session = LiveSession.objects.create(tenant=tenant, created_by=staff_member,
                                         title="Kreistag 12. Sitzung",
                                         speakers=["Frau Schulze-Öztürk", "Herr Yilmaz"])
    live.add_lines(session, [_line("Der Kreistack tagt heute im großen Saal.", 1.0, 0.3)])
    base = f"http://{asgi_server}"

    audience_context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 800})
    audience = audience_context.new_page()
    errors: list[str] = []  # CSP violations and script errors fail the test
    audience.on("console", lambda m: m.type == "error" and errors.append(m.text))
    audience.on("pageerror", lambda e: errors.append(str(e)))
    audience.goto(f"{base}/untertitel/mitlesen/{session.token}/")
    caption = audience.locator("#caption")
    expect(caption).to_contain_text("Der Kreistack tagt heute im großen Saal.")
    expect(audience.locator(".ai-note")).to_contain_text("automatisch von einer KI erzeugt")
    check_accessibility(audience)

    staff_context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    staff.on("console", lambda m: m.type == "error" and errors.append(m.text))
    staff.on("pageerror", lambda e: errors.append(str(e)))
    staff.goto(f"{base}/konto/anmelden/")
    staff.get_by_label("Anmeldename").fill(staff_member.username)
    staff.get_by_label("Passwort").fill(PASSWORD)
    staff.get_by_role("button", name="Anmelden").click()
    staff.goto(f"{base}/untertitel/live/{session.pk}/")
    field = staff.get_by_label("Text der Zeile 1")
    expect(field).to_have_value("Der Kreistack tagt heute im großen Saal.")
    expect(staff.locator(".line-words mark")).to_have_text("Kreistack")  # the unsure word
    check_accessibility(staff)
    screenshot(staff, "speech-live-console")
    # Keyboard only: focus the line, correct it, choose the speaker, save with Enter.
    field.focus()
    staff.keyboard.press("Control+A")
    staff.keyboard.type("Der Kreistag tagt heute im großen Saal.")
    staff.keyboard.press("Tab")
    staff.keyboard.press("ArrowDown")  # "nicht angegeben" -> the first speaker
    staff.keyboard.press("Shift+Tab")
    staff.keyboard.press("Enter")

    expect(caption).to_contain_text("Frau Schulze-Öztürk: Der Kreistag tagt heute im großen Saal.")
    expect(staff.locator("#line-0 .line-meta")).to_contain_text("korrigiert")
    audience.get_by_role("button", name="Schrift größer").click()
    audience.get_by_role("button", name="Hell/Dunkel wechseln").click()
    expect(audience.get_by_role("button", name="Hell/Dunkel wechseln")).to_have_attribute(
        "aria-pressed", "true")
    check_accessibility(audience)
    screenshot(audience, "speech-live-audience")
    assert audience_context.cookies() == []
    audience_context.close()
    staff_context.close()
    assert not [e for e in errors if "favicon" not in e], errors
