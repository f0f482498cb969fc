"""The review page in real headless Chromium: keyboard only, axe-core clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aktenkundig.forms.models import Submission
from aktenkundig.forms.tests.conftest import RULES, filled, scan
from aktenkundig.testing.accounts import PASSWORD, approve_assistant
from aktenkundig.testing.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_review_and_commit_keyboard_only(page, live_server, transactional_db, tenant,
                                         make_user, blank, sample_schema, tmp_path):
    from aktenkundig.forms import services

    approve_assistant(tenant, "forms")
    from aktenkundig.accounts.models import Role

    make_user("sachbearbeitung", tenant, [Role.STAFF, Role.SUBJECT_ADMIN])
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
    # every box sits on the page where its field is (German decimal commas must
    # not reach the CSS: a regression that once put every box at the corner)
    iban_box = page.locator(".forms-box").nth(
        int(page.locator(".forms-field", has=page.get_by_label(
            "IBAN für den Lastschrifteinzug")).get_attribute("data-field")))
    image = page.locator(".forms-page img").first.bounding_box()
    box = iban_box.bounding_box()
    assert box["x"] - image["x"] > 0.05 * image["width"]
    assert 0.6 * image["height"] < box["y"] - image["y"] < 0.8 * image["height"]
    assert 0.45 * image["width"] < box["width"] < 0.6 * image["width"]
    first = page.locator(".forms-field input, .forms-field select").first
    first.focus()
    expect(page.locator(".forms-box.current")).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(".forms-box.current")).to_have_count(1)
    page.get_by_label("IBAN für den Lastschrifteinzug").focus()
    page.wait_for_timeout(300)  # the zoom's transition
    screenshot(page, "30-formular-pruefen")
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
    page.get_by_role("link", name="Felder bearbeiten").click()  # the Fachadmin's page
    expect(page.get_by_role("heading", level=1)).to_contain_text("Formularfelder")
    check_accessibility(page)
