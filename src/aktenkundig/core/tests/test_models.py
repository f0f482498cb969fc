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


@pytest.mark.django_db(transaction=True)
def test_database_cache_counts_atomically_and_keeps_the_window(settings):
    """core.cache.DatabaseCache: incr is one locked read-modify-write and keeps the
    entry's expiry (Django's own incr would reset it to the default timeout)."""
    import threading

    from django.core.cache import caches
    from django.db import connections

    settings.CACHES = {**settings.CACHES, "shared": {
        "BACKEND": "aktenkundig.core.cache.DatabaseCache", "LOCATION": "aktenkundig_cache"}}
    shared = caches["shared"]
    if connections["default"].vendor == "sqlite":
        pytest.skip("in-memory test database; across processes: test_shared_cache.py")
    assert shared.add("n", 0, timeout=120)
    errors = []

    def bump():
        try:
            for _ in range(25):
                shared.incr("n")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and shared.get("n") == 100
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT expires FROM aktenkundig_cache")
        (expires,) = cursor.fetchone()
    from django.utils import timezone

    assert (expires - timezone.now()).total_seconds() < 125
    shared.clear()
