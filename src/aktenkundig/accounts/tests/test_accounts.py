import time

import pytest
from django.test import override_settings
from django.urls import reverse

from aktenkundig.accounts.models import ApiToken, CollectionUnit, Role
from aktenkundig.accounts.oidc import parse_role_map, roles_for_groups
from aktenkundig.accounts.services import (
    can_manage_collection,
    create_api_token,
    readable_collections,
    revoke_api_token,
    user_for_token,
)
from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import get_or_create_collection
from aktenkundig.testing.accounts import PASSWORD


def test_login_page_and_login_with_password(client, staff_member):
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    assert b'autocomplete="current-password"' in page.content
    response = client.post(
        reverse("accounts:login"), {"username": "erika", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200


def test_pages_require_login(client, db):
    response = client.get(reverse("documents:library"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_wrong_passwords_lock_the_account_out(client, staff_member):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "erika", "password": "falsch"})
    locked = client.post(reverse("accounts:login"), {"username": "erika", "password": PASSWORD})
    assert locked.status_code == 429
    assert "vorübergehend gesperrt".encode() in locked.content
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client, staff_member):
    client.force_login(staff_member)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("web:home")).status_code == 302


@override_settings(SESSION_IDLE_TIMEOUT=60)
def test_idle_session_ends(client, staff_member):
    client.force_login(staff_member)
    assert client.get(reverse("web:home")).status_code == 200
    session = client.session
    session["aktenkundig_last_activity"] = int(time.time()) - 120
    session.save()
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and "abgelaufen=1" in response.url


def test_api_tokens_are_hashed_expire_and_can_be_revoked(staff_member):
    token, raw = create_api_token(staff_member, "Fachverfahren")
    assert raw.startswith("akt_") and raw not in token.key_hash
    assert not ApiToken.objects.filter(key_hash__contains=raw).exists()
    assert user_for_token(raw) == staff_member
    assert user_for_token(raw + "x") is None
    assert user_for_token("") is None
    staff_member.is_active = False
    staff_member.save()
    assert user_for_token(raw) is None
    assert revoke_api_token(staff_member, token.pk)
    _expired, expired_raw = create_api_token(staff_member, "alt", days=-1)
    assert user_for_token(expired_raw) is None


def test_profile_creates_and_revokes_tokens(client, staff_member):
    client.force_login(staff_member)
    page = client.post(reverse("accounts:profile"), {"name": "Skript"})
    token = ApiToken.objects.get(user=staff_member)
    assert b"akt_" in page.content and token.prefix.encode() in page.content
    client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_collection_rights_by_clearance_unit_and_tenant(
    make_user, tenant, other_tenant, satzungen
):
    personal = get_or_create_collection(tenant, "Personal", AccessLevel.VERTRAULICH)
    bauamt = get_or_create_collection(tenant, "Bauakten", AccessLevel.INTERN)
    CollectionUnit.objects.create(collection=bauamt, unit="Amt 63")
    foreign = get_or_create_collection(other_tenant, "Satzungen", AccessLevel.OFFEN)

    clerk = make_user("clerk", tenant, [Role.STAFF], unit="Amt 32")
    builder = make_user("builder", tenant, [Role.SUBJECT_ADMIN], unit="Amt 63")
    hr = make_user("hr", tenant, [Role.STAFF], unit="Amt 10", clearance=AccessLevel.VERTRAULICH)
    admin = make_user("boss", tenant, [Role.ADMINISTRATOR], clearance=AccessLevel.VS_NFD)

    assert set(readable_collections(clerk)) == {satzungen}
    assert set(readable_collections(builder)) == {satzungen, bauamt}
    assert set(readable_collections(hr)) == {satzungen, personal}
    assert set(readable_collections(admin)) == {satzungen, personal, bauamt}
    assert foreign not in readable_collections(admin)

    assert not can_manage_collection(clerk, satzungen)
    assert can_manage_collection(builder, bauamt) and can_manage_collection(builder, satzungen)
    assert not can_manage_collection(make_user("x", tenant, [Role.SUBJECT_ADMIN], "Amt 32"),
                                     bauamt)
    assert can_manage_collection(admin, bauamt)
    assert not can_manage_collection(admin, foreign)


def test_user_without_tenant_sees_nothing(client, make_user, satzungen):
    lonely = make_user("lonely", None)
    assert not readable_collections(lonely).exists()
    client.force_login(lonely)
    assert client.get(reverse("documents:library")).status_code == 403


def test_oidc_role_map():
    mapping = parse_role_map("ki-team=ki_beauftragte, /it=administrator")
    assert mapping == {"ki-team": "ki_beauftragte", "it": "administrator"}
    assert roles_for_groups(["/ki-team", "/andere"], mapping) == [
        "beschaeftigte",
        "ki_beauftragte",
    ]
    with pytest.raises(ValueError, match="gültige Zuordnung"):
        parse_role_map("ki-team=chef")


@pytest.mark.django_db
@override_settings(
    OIDC_ROLE_MAP="it=administrator",
    OIDC_TENANT="default",
    OIDC_GROUPS_CLAIM="groups",
    OIDC_RP_CLIENT_ID="aktenkundig",
    OIDC_RP_CLIENT_SECRET="x",
    OIDC_OP_TOKEN_ENDPOINT="http://idp.invalid/token",
    OIDC_OP_USER_ENDPOINT="http://idp.invalid/userinfo",
    OIDC_RP_SIGN_ALGO="RS256",
    OIDC_OP_JWKS_ENDPOINT="http://idp.invalid/certs",
)
def test_oidc_backend_maps_groups_to_roles_on_every_login():
    from aktenkundig.accounts.oidc import RoleMappingOIDCBackend
    from aktenkundig.accounts.services import membership_of

    backend = RoleMappingOIDCBackend()
    claims = {"email": "anna@kreis.example", "groups": ["/it"], "given_name": "Anna"}
    user = backend.create_user(claims)
    membership = membership_of(user)
    assert membership.tenant.slug == "default"
    assert set(membership.roles) == {Role.STAFF, Role.ADMINISTRATOR}
    user = backend.update_user(user, {**claims, "groups": []})
    assert membership_of(user).roles == [Role.STAFF]
