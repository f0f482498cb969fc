from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).parent.parent / "sample_data" / "musterhausen"


@pytest.fixture
def collection(db):
    from aktenkundig.core.models import AccessLevel
    from aktenkundig.core.services import get_or_create_collection, get_tenant

    return get_or_create_collection(get_tenant(), "Satzungen", AccessLevel.OFFEN)


@pytest.fixture
def other_collection(db):
    from aktenkundig.core.models import Tenant
    from aktenkundig.core.services import get_or_create_collection

    tenant = Tenant.objects.create(slug="nachbarort", name="Nachbarort")
    return get_or_create_collection(tenant, "Satzungen")


@pytest.fixture
def signal_log():
    """Records (signal name, document pk, number of chunks at that moment)."""
    from aktenkundig.documents.signals import chunks_replaced, document_deleted

    log: list[tuple[str, int, int]] = []

    def on_replaced(sender, document, **kwargs):
        log.append(("chunks_replaced", document.pk, document.chunks.count()))

    def on_deleted(sender, document, **kwargs):
        log.append(("document_deleted", document.pk, document.chunks.count()))

    chunks_replaced.connect(on_replaced, weak=False)
    document_deleted.connect(on_deleted, weak=False)
    yield log
    chunks_replaced.disconnect(on_replaced)
    document_deleted.disconnect(on_deleted)


@pytest.fixture(autouse=True)
def originals_dir(settings, tmp_path):
    """A fresh originals folder per test, so that file assertions see only their own."""
    location = tmp_path / "originals"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location
