import pytest
from django.db import IntegrityError

from aktenkundig.core.models import AccessLevel, Collection
from aktenkundig.core.services import NotFound, get_collection, get_or_create_collection, get_tenant


@pytest.mark.django_db
def test_default_tenant_is_created_once():
    assert get_tenant() == get_tenant()


@pytest.mark.django_db
def test_collection_lookup_by_name_or_slug_is_scoped_to_tenant():
    from aktenkundig.core.models import Tenant

    home = get_tenant()
    other = Tenant.objects.create(slug="nachbar", name="Nachbargemeinde")
    satzungen = get_or_create_collection(home, "Satzungen", AccessLevel.OFFEN)
    assert get_collection(home, "satzungen") == satzungen
    with pytest.raises(NotFound, match="Satzungen"):
        get_collection(other, "Satzungen")


@pytest.mark.django_db
def test_only_offen_collections_can_be_public():
    tenant = get_tenant()
    with pytest.raises(IntegrityError):
        Collection.objects.create(
            tenant=tenant, name="Personal", access_level=AccessLevel.VERTRAULICH, is_public=True
        )


def test_access_levels_parse_and_order():
    assert AccessLevel.parse("VS-NfD") > AccessLevel.parse("vertraulich") > AccessLevel.INTERN
    assert AccessLevel.parse(" Offen ").code == "offen"
    with pytest.raises(ValueError, match="geheim"):
        AccessLevel.parse("geheim")


def test_production_settings_hash_passwords_with_argon2():
    import importlib

    production = importlib.import_module("aktenkundig.settings")
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
