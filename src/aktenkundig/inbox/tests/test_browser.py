"""The scan centre's queue in real Chromium, keyboard only, axe clean."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from aktenkundig.inbox.models import Item, Status
from aktenkundig.inbox.tests import letters
from aktenkundig.inbox.tests.conftest import text_item
from aktenkundig.testing.accounts import PASSWORD
from aktenkundig.testing.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_confirm_with_one_key_and_reassign_by_typing(page, live_server, trained_tenant,
                                                     staff_member):
    first = text_item(trained_tenant, letters.letter("63", random.Random(1)))
    second = text_item(trained_tenant, letters.letter("50", random.Random(2)))
    page.goto(f"{live_server.url}/konto/anmelden/")
    page.get_by_label("Anmeldename").fill(staff_member.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_server.url}/posteingang/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Posteingang")
    check_accessibility(page)
    start = page.get_by_role("link", name="Bearbeitung beginnen")
    start.focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Entscheidende Wörter")
    check_accessibility(page)
    screenshot(page, "inbox-item")
    page.keyboard.press("b")  # confirm the suggestion: the next item loads
    expect(page).to_have_url(f"{live_server.url}/posteingang/{second.pk}/")
    page.keyboard.press("u")  # reassign by typing, with a reason
    page.keyboard.type("32")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("Gewerbe, nicht Sozialamt")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/posteingang/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.CONFIRMED and first.unit.code == "63"
    assert second.unit.code == "32" and second.oversight.decision == "overridden"
    assert not Item.objects.filter(tenant=trained_tenant, status=Status.WAITING).exists()


@pytest.mark.django_db(transaction=True)
def test_organisation_and_queue_management_pages_are_accessible(page, live_server,
                                                                 trained_tenant, subject_admin):
    page.goto(f"{live_server.url}/konto/anmelden/")
    page.get_by_label("Anmeldename").fill(subject_admin.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_server.url}/posteingang/")
    expect(page.locator("main")).to_contain_text("Zuordnungsmodell")
    check_accessibility(page)
    page.goto(f"{live_server.url}/posteingang/organisation/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Organisationseinheiten")
    check_accessibility(page)
