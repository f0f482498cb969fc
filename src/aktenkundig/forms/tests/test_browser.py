"""The review page in real headless Chromium: keyboard only, axe-core clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aktenkundig.forms.models import Submission
from aktenkundig.forms.tests.conftest import RULES, filled, scan
from aktenkundig.testing.accounts import PASSWORD, approve_assistant
from aktenkundig.testing.browser import check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_review_and_commit_keyboard_only(page, live_server, transactional_db, tenant,
                                         make_user, blank, sample_schema, tmp_path):
    from aktenkundig.forms import services

    approve_assistant(tenant, "forms")
    make_user("sachbearbeitung", tenant)
    services.register(tenant, "hundesteuer", blank, overrides=RULES.read_text("utf-8"))
    path = tmp_path / "scan.jpg"
    path.write_bytes(scan(filled(blank, sample_schema), angle=1.2, shift=(30, -20)))

    page.goto(f"{live_server.url}/konto/anmelden/")
    page.get_by_label("Anmeldename").fill("sachbearbeitung")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_label("Passwort").press("Enter")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Formulare").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Formularerkennung")
    check_accessibility(page)
    page.get_by_label("Eingegangenes Formular").set_input_files(str(path))
    page.get_by_label("Formular", exact=True).select_option("hundesteuer")
    page.get_by_role("button", name="Auslesen").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Formular prüfen")
    expect(page.get_by_label("IBAN für den Lastschrifteinzug")).to_have_value(
        "DE89370400440532013000")
    check_accessibility(page)

    # keyboard only: focus the first field, the page image zooms to its box
    first = page.locator(".forms-field input, .forms-field select").first
    first.focus()
    expect(page.locator(".forms-box.current")).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(".forms-box.current")).to_have_count(1)
    page.get_by_label("Vorname").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("Jana Maria")
    page.get_by_label("Begründung").focus()
    page.keyboard.type("Mit dem Original verglichen.")
    page.get_by_role("button", name="Angaben übernehmen").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("übernommen")
    submission = Submission.objects.get(tenant=tenant)
    assert submission.status == Submission.Status.COMMITTED
    assert submission.values["Vorname"] == "Jana Maria"
    check_accessibility(page)
