"""Scripted set-up without the Django admin or a shell: ``aktenkundig tenant add``,
``user add`` and ``token create``, and what the created accounts may then do."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from aktenkundig.accounts.models import Membership, Role
from aktenkundig.core.models import AccessLevel, Tenant


def run(*args, stdin: str | None = None) -> str:
    out = io.StringIO()
    extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command(*args, stdout=out, **extra)
    return out.getvalue()


def logs_in(client, username: str, password: str) -> bool:
    response = client.post(reverse("accounts:login"),
                           {"username": username, "password": password})
    return response.status_code == 302 and response.url == reverse("web:home")


@pytest.mark.django_db
def test_tenant_user_and_token_from_a_script(client):
    out = run("tenant", "add", "musterhausen", "--name", "Gemeinde Musterhausen")
    assert "musterhausen" in out and Tenant.objects.get(slug="musterhausen").name == (
        "Gemeinde Musterhausen")
    out = run("user", "add", "erika", "--tenant", "musterhausen", "--role", "KI-Beauftragte",
              "--role", "beschaeftigte", "--clearance", "vertraulich",
              stdin="ein-langes-Passwort-2026\n")
    assert "Passwort" not in out  # given on stdin: never echoed
    membership = Membership.objects.get(user__username="erika")
    assert membership.tenant.slug == "musterhausen"
    assert membership.roles == [Role.AI_OFFICER, Role.STAFF]
    assert membership.clearance == AccessLevel.VERTRAULICH
    assert logs_in(client, "erika", "ein-langes-Passwort-2026")

    token = run("token", "create", "erika").strip()
    assert token.startswith("akt_") and "\n" not in token
    me = client.get("/api/accounts/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["tenant"] == "musterhausen" and "ki_beauftragte" in me.json()["roles"]


@pytest.mark.django_db
def test_user_add_without_stdin_prints_a_generated_password_once(client):
    run("tenant", "add", "nord", "--name", "Landkreis Nord")
    out = run("user", "add", "fritz", "--tenant", "nord", "--role", "fachadmin", stdin="")
    line = next(row for row in out.splitlines() if row.startswith("Passwort"))
    password = line.rsplit(" ", 1)[1]
    assert len(password) >= 16 and password not in get_user_model().objects.get(
        username="fritz").password
    assert logs_in(client, "fritz", password)
    assert Membership.objects.get(user__username="fritz").clearance == AccessLevel.INTERN


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("tenant", "add", "Muster Hausen", "--name", "X"), None,
     "Kürzel „Muster Hausen“ ist ungültig"),
    (("tenant", "add", "nord", "--name", " "), None, "Namen der Behörde"),
    (("tenant", "add", "nord", "--name", "Doppelt"), None, "gibt es schon"),
    (("user", "add", "anna", "--tenant", "sued", "--role", "staff"), "", "Mandant 'sued'"),
    (("user", "add", "anna", "--tenant", "nord", "--role", "chef"), "",
     "Rolle „chef“ gibt es nicht. Möglich sind: beschaeftigte (Beschäftigte)"),
    (("user", "add", "anna", "--tenant", "nord", "--role", "fachadmin", "--clearance",
      "geheim"), "", "Schutzstufe „geheim“ gibt es nicht"),
    (("user", "add", "anna", "--tenant", "nord", "--role", "fachadmin"), "1234\n",
     "Passwort ist zu schwach"),
    (("user", "add", "an na", "--tenant", "nord", "--role", "fachadmin"), "",
     "Anmeldename „an na“ ist ungültig"),
    (("user", "add", "vorhanden", "--tenant", "nord", "--role", "fachadmin"), "",
     "gibt es schon"),
    (("token", "create", "niemand"), None, "Benutzer „niemand“ gibt es nicht"),
    (("token", "create", "ohne-behoerde"), None, "gehört zu keiner Behörde"),
    (("token", "create", "vorhanden", "--days", "0"), None, "mindestens 1"),
])
def test_bad_input_gets_a_clear_german_message(args, stdin, message):
    Tenant.objects.create(slug="nord", name="Landkreis Nord")
    run("user", "add", "vorhanden", "--tenant", "nord", "--role", "beschaeftigte", stdin="")
    get_user_model().objects.create_user("ohne-behoerde", password="x")
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args, stdin=stdin)
    assert get_user_model().objects.filter(username__in=["anna", "an na"]).count() == 0


@pytest.mark.django_db
def test_lists_show_tenants_and_people_without_role_keys():
    run("tenant", "add", "nord", "--name", "Landkreis Nord")
    run("user", "add", "erika", "--tenant", "nord", "--role", "ki_beauftragte", stdin="")
    assert "nord\tLandkreis Nord" in run("tenant", "list")
    listing = run("user", "list", "--tenant", "nord")
    assert "erika" in listing and "KI-Beauftragte" in listing and "ki_beauftragte" not in listing


@pytest.mark.django_db
def test_profile_shows_role_names_not_keys(client):
    run("tenant", "add", "nord", "--name", "Landkreis Nord")
    run("user", "add", "erika", "--tenant", "nord", "--role", "ki_beauftragte",
        "--role", "beschaeftigte", stdin="ein-langes-Passwort-2026\n")
    assert logs_in(client, "erika", "ein-langes-Passwort-2026")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "KI-Beauftragte, Beschäftigte" in page and "ki_beauftragte" not in page
