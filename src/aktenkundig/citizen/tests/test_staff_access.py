"""Staff pages of the chatbot: reachable from the staff navigation, and only for
the roles that may see them (hand-overs hold citizens' contact data)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aktenkundig.accounts.models import Role
from aktenkundig.citizen.tests.conftest import member

pytestmark = pytest.mark.django_db

PAGES = {
    "handovers": reverse("citizen:staff_handovers"),
    "gaps": reverse("citizen:staff_gaps"),
    "analytics": reverse("citizen:staff_analytics"),
}


@pytest.mark.parametrize(
    ("roles", "unit", "allowed"),
    [
        ([Role.STAFF], "Amt 32", set()),
        ([Role.STAFF], "Bürgerbüro", {"handovers", "analytics"}),
        ([Role.SUBJECT_ADMIN], "Amt 10", {"handovers", "gaps", "analytics"}),
        ([Role.ADMINISTRATOR], "", {"handovers", "gaps", "analytics"}),
        ([Role.AI_OFFICER], "Amt 10", {"analytics"}),
        ([Role.AUDIT], "Rechnungsprüfung", {"analytics"}),
    ],
)
def test_pages_and_navigation_follow_the_role(tenant, roles, unit, allowed):
    user = member(tenant, "person", roles, unit=unit)
    client = Client()
    client.force_login(user)
    for name, url in PAGES.items():
        assert client.get(url).status_code == (200 if name in allowed else 403), name
    home = client.get(reverse("history:list")).content.decode()
    nav = home.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    if allowed:
        first = next(url for name, url in PAGES.items() if name in allowed)
        assert f'href="{first}"' in nav and "Bürger-Chat" in nav
    else:
        assert "Bürger-Chat" not in nav and "/buerger/" not in nav


def test_subnavigation_lists_only_permitted_pages(tenant):
    user = member(tenant, "beobachterin", [Role.AI_OFFICER], unit="Amt 10")
    client = Client()
    client.force_login(user)
    html = client.get(PAGES["analytics"]).content.decode()
    subnav = html.split('class="subnav"', 1)[1].split("</nav>", 1)[0]
    assert PAGES["analytics"] in subnav
    assert PAGES["handovers"] not in subnav and PAGES["gaps"] not in subnav
