"""The subtitle page in real headless Chromium with axe-core: a staff member
uploads a spoken German sentence, waits for the background transcription and
finds the VTT/SRT downloads with the note that the text is generated
automatically."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from aktenkundig.language.tests.test_browser import log_in
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
