"""Pseudonymisation per case, the encrypted vault, re-identification by role."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import add_member
from aktenkundig.core.models import Tenant
from aktenkundig.privacy import pseudonymize as pseudo
from aktenkundig.privacy.models import PrivacyEvent, PrivacyEventKind, VaultEntry
from aktenkundig.privacy.services import ReidentificationDenied, reidentify

pytestmark = pytest.mark.django_db

DOC_1 = (
    "Antrag von Herrn Hans Müller, Lindenweg 4, 79100 Freiburg. IBAN DE89 3704 0044 0532 0130 00."
)
DOC_2 = "Herr Müller hat am Telefon (0761 123456) bestätigt. Frau Anna Müller war nicht dabei."


@pytest.fixture
def tenant():
    return Tenant.objects.create(slug="freiburg", name="Stadt Freiburg")


def user_with(tenant, *roles, name="u"):
    user = get_user_model().objects.create_user(username=name, password="x" * 12)
    add_member(user, tenant, list(roles))
    return user


def test_same_person_same_placeholder_across_documents(tenant):
    one, two = pseudo.pseudonymize_texts([DOC_1, DOC_2], tenant, "akte:1")
    assert "Müller" not in one.text + two.text
    assert "DE89" not in one.text and "Lindenweg" not in one.text
    assert one.text.startswith(
        "Antrag von Herrn [PERSON_1], [ADDRESS_1], [ADDRESS_2]. IBAN [IBAN_1]."
    )
    assert two.text.startswith("Herr [PERSON_1] hat")
    assert "Frau [PERSON_2]" in two.text  # another Müller is another person
    # A later call in the same case reuses the mapping; another case starts afresh.
    assert pseudo.pseudonymize("Hans Müller", tenant, "akte:1").text == "[PERSON_1]"
    assert pseudo.pseudonymize("Anna Müller", tenant, "akte:2").text == "[PERSON_1]"


def test_vault_is_encrypted_at_rest(tenant, monkeypatch):
    pseudo.pseudonymize(DOC_1, tenant, "akte:1")
    raw = bytes(VaultEntry.objects.get(tenant=tenant, scope="akte:1").token)
    assert b"M\xc3\xbcller" not in raw and b"DE89" not in raw and b"PERSON" not in raw
    monkeypatch.setenv("AKTENKUNDIG_VAULT_KEY", Fernet.generate_key().decode())
    with pytest.raises(pseudo.VaultError, match="nicht entschlüsseln"):
        pseudo.load_mapping(tenant, "akte:1")


def test_broken_vault_key_gets_a_clear_message(tenant, monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_VAULT_KEY", "kein-schluessel")
    with pytest.raises(pseudo.VaultError, match="kein gültiger Fernet-Schlüssel"):
        pseudo.pseudonymize(DOC_1, tenant, "akte:1")


def test_redact_keeps_nothing(tenant):
    result = pseudo.redact(DOC_1, tenant)
    assert result.text.startswith("Antrag von Herrn [PERSON], [ADDRESS], [ADDRESS]. IBAN [IBAN].")
    assert not VaultEntry.objects.exists()


def test_reidentify_for_allowed_role_is_logged(tenant):
    pseudo.pseudonymize(DOC_1, tenant, "akte:1")
    staff = user_with(tenant, Role.STAFF)
    text = reidentify("Antwort an [PERSON_1], Konto [IBAN_1], [PERSON_9].", tenant, "akte:1", staff)
    assert text == "Antwort an Hans Müller, Konto DE89 3704 0044 0532 0130 00, [PERSON_9]."
    event = PrivacyEvent.objects.get(kind=PrivacyEventKind.REIDENTIFIED)
    assert event.user == staff and event.scope == "akte:1" and event.detail["placeholders"] == 2
    assert "Müller" not in str(event.detail)


def test_reidentify_denied_for_audit_role_and_other_tenant(tenant):
    pseudo.pseudonymize(DOC_1, tenant, "akte:1")
    auditor = user_with(tenant, Role.AUDIT, name="rev")
    other = user_with(Tenant.objects.create(slug="x", name="X"), Role.STAFF, name="x")
    for user in (auditor, other, None):
        with pytest.raises(ReidentificationDenied, match="Platzhalter"):
            reidentify("[PERSON_1]", tenant, "akte:1", user)
    assert PrivacyEvent.objects.filter(kind=PrivacyEventKind.REIDENTIFY_DENIED).count() == 3
