import pytest
from django.urls import reverse

from aktenkundig.history import services as history


def test_security_headers_and_cookies(client, staff_member):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    cookie = response.cookies["csrftoken"]
    assert cookie["samesite"] == "Lax"
    from aktenkundig.testing.accounts import PASSWORD

    login = client.post(reverse("accounts:login"), {"username": "erika", "password": PASSWORD})
    session = login.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"


def test_production_cookies_are_secure(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENKUNDIG_")}
    import aktenkundig

    env.update(
        AKTENKUNDIG_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="aktenkundig.settings",
        PYTHONPATH=os.path.dirname(os.path.dirname(aktenkundig.__file__)),
    )
    code = (
        "from aktenkundig import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True"]


def test_no_inline_script_in_pages(client, staff_member, administrator):
    client.force_login(administrator)
    for name in ["web:home", "web:overview", "documents:library", "assistant:ask",
                 "history:list", "accounts:profile"]:
        html = client.get(reverse(name)).content.decode()
        for tag in html.split("<script")[1:]:
            assert tag.split(">", 1)[0].strip().startswith("src="), (name, tag[:80])
        assert " style=" not in html and "<style" not in html, name
        assert " on" + "click=" not in html


def test_csrf_is_enforced(staff_member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_member)
    response = strict.post(reverse("accounts:profile"), {"name": "x"})
    assert response.status_code == 403
    assert b"Formular" in response.content


def test_home_counts_only_own_tenant(client, staff_member, stranger, satzungen, make_document):
    make_document(satzungen, "Hundesteuersatzung", [("§ 1", "Steuer")])
    client.force_login(stranger)
    page = client.get(reverse("web:home")).content.decode()
    assert 'class="stat">0<' in page
    client.force_login(staff_member)
    assert 'class="stat">1<' in client.get(reverse("web:home")).content.decode()


def test_overview_for_admins_only(client, staff_member, administrator, subject_admin,
                                  satzungen):
    client.force_login(staff_member)
    assert client.get(reverse("web:overview")).status_code == 403
    client.force_login(subject_admin)
    page = client.get(reverse("web:overview"))
    # Model-server status for everyone who may open the page (as the README says);
    # people, roles and retention for Administrators only.
    assert b"Satzungen" in page.content and b"kein Sprachmodell eingerichtet" in page.content
    assert b"erika" not in page.content and b"retention_days" not in page.content
    client.force_login(administrator)
    page = client.get(reverse("web:overview"))
    assert b"kein Sprachmodell eingerichtet" in page.content and b"erika" in page.content
    # Roles as people read them, not their keys.
    assert "Beschäftigte" in page.content.decode() and b"beschaeftigte" not in page.content
    client.post(reverse("web:overview"), {"retention_days": "30"})
    assert history.retention_days(administrator.membership.tenant) == 30
    bad = client.post(reverse("web:overview"), {"retention_days": "0"}, follow=True)
    assert b"zwischen 1 und 3650" in bad.content
    client.force_login(subject_admin)
    assert client.post(reverse("web:overview"), {"retention_days": "5"}).status_code == 403


def test_error_pages_are_friendly_and_german(client, staff_member):
    client.force_login(staff_member)
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404 and b"Diese Seite gibt es nicht" in response.content


def test_english_is_available(client, staff_member):
    client.force_login(staff_member)
    client.post(reverse("web:set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("history:list"))
    assert b"Your history" in page.content
    history.start_conversation(staff_member, staff_member.membership.tenant, "x")


@pytest.mark.slow
@pytest.mark.llm
def test_overview_shows_llm_health_with_latency(client, administrator, llm_backend):
    client.force_login(administrator)
    page = client.get(reverse("web:overview")).content.decode()
    assert "erreichbar" in page and "nicht erreichbar" not in page
    assert "smollm2" in page and " ms</td>" in page


def test_governance_navigation_follows_roles(client, staff_member, administrator, ai_officer,
                                            make_user, tenant):
    from aktenkundig.accounts.models import Role

    auditor = make_user("revision", tenant, [Role.AUDIT])
    governance = {"KI-Register", "Schulung", "Aufsicht", "Schalter"}
    expected = {
        staff_member: {"Schulung"},
        auditor: {"Schulung", "Aufsicht"},
        administrator: governance,
        ai_officer: governance,
    }
    for user, visible in expected.items():
        client.force_login(user)
        items = client.get(reverse("web:home")).context["nav_items"]
        shown = {str(item["label"]): item["url"] for item in items}
        assert governance & set(shown) == visible, user
        for label in visible:  # every link shown opens for this person
            assert client.get(shown[label]).status_code == 200, (user, label)
