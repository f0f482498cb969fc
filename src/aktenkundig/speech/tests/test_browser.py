"""The subtitle page in real headless Chromium with axe-core: a staff member
uploads a spoken German sentence, waits for the background transcription and
finds the VTT/SRT downloads with the note that the text is generated
automatically."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from aktenkundig.language.tests.test_browser import log_in
from aktenkundig.speech.tests.test_editor import LONG
from aktenkundig.speech.tests.test_transcribe_real import REFERENCE
from aktenkundig.testing.browser import check_accessibility, screenshot

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("ffmpeg")),
                       reason="espeak-ng and ffmpeg are installed by scripts/bootstrap"),
]


def test_upload_and_download(page, transactional_db, speech_tenant, staff_member, tmp_path):
    wav = tmp_path / "ansage.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(wav), REFERENCE],
                   check=True, timeout=60)
    log_in(page, staff_member.username)
    page.get_by_role("link", name="Untertitel", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Untertitel")
    check_accessibility(page)
    page.get_by_label("Video- oder Tondatei").set_input_files(str(wav))
    page.get_by_role("button", name="Untertitel erstellen").click()
    expect(page.get_by_role("link", name="WebVTT herunterladen")).to_be_visible(timeout=60_000)
    expect(page.locator("#job-status")).to_contain_text("kann Fehler enthalten")
    expect(page.locator(".transcript")).to_contain_text("Kreistag")
    check_accessibility(page)
    screenshot(page, "speech-job")
    page.get_by_role("link", name="Zurück zu den Untertiteln").click()
    expect(page.get_by_role("table")).to_contain_text("ansage.wav")
    check_accessibility(page)


def _poll(page, expression: str, seconds: float = 20.0) -> bool:
    """Evaluate until true. Not ``wait_for_function``: its polling evaluates a
    string in the page, which the CSP (no unsafe-eval) rightly refuses."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return True
        page.wait_for_timeout(200)
    return False


def test_editor_plays_highlights_edits_splits_and_exports(page, transactional_db,
                                                          speech_tenant, staff_member, tmp_path):
    """Keyboard only after the upload: focus moves with Tab, buttons are pressed
    with Enter; the video is a real WebM (VP8/Vorbis) served with byte ranges."""
    wav, video = tmp_path / "ansage.wav", tmp_path / "sitzung.webm"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(wav), REFERENCE],
                   check=True, timeout=60)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "color=c=navy:s=160x120:r=5", "-i", str(wav), "-shortest", "-c:v", "libvpx",
                    "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libvorbis",
                    str(video)], check=True, timeout=120)
    log_in(page, staff_member.username)
    page.goto("/untertitel/")
    page.get_by_label("Video- oder Tondatei").set_input_files(str(video))
    page.get_by_role("button", name="Untertitel erstellen").click()
    page.get_by_role("link", name="Untertitel prüfen und bearbeiten").click(timeout=90_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Untertitel bearbeiten")
    # the browser loaded and decoded the recording through the member-only view
    assert _poll(page, "document.getElementById('speech-media').readyState >= 1")
    assert page.evaluate("document.getElementById('speech-media').duration") > 5
    check_accessibility(page)
    rows = page.locator(".cue-row")
    last = rows.count() - 1
    assert last >= 1
    # jump to the last cue with the keyboard: it becomes the highlighted one
    page.locator(f"#cue-{last} .cue-seek").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#cue-{last}")).to_have_class(re.compile(r"\bis-current\b"))
    expect(page.locator(".cue-row.is-current")).to_have_count(1)
    page.evaluate("document.getElementById('speech-media').pause()")
    # correct the first cue into one too long for two lines, save, split
    page.locator("#cue-text-0").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(LONG)
    page.keyboard.press("Tab")
    expect(page.locator("#cue-save-0")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cue-0 .cue-status")).to_have_text("Gespeichert.")
    expect(page.locator("#cue-0")).to_contain_text("Zu lang für zwei Zeilen")
    # the player's caption track was reloaded to show the correction
    expect(page.locator("#speech-media track")).to_have_attribute("src", re.compile(r"\?v=\d+$"))
    assert _poll(page, "Array.from(document.querySelector('#speech-media track').track.cues"
                       " || []).some(c => c.text.includes('Nordhausen'))")
    page.locator("#cue-split-0").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cue-list + [role=status]")).to_have_text("Der Untertitel wurde geteilt.")
    expect(page.locator("#cue-text-0")).to_have_value(re.compile(r"^Der Kreistag in Nordhausen"))
    expect(page.locator(".cue-row.too-long")).to_have_count(0)
    check_accessibility(page)
    screenshot(page, "speech-editor")
    with page.expect_download() as download:
        page.get_by_role("link", name="WebVTT herunterladen").click()
    vtt = Path(download.value.path()).read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "Nordhausen" in vtt
    assert all(len(line) <= 42 for line in vtt.splitlines())
