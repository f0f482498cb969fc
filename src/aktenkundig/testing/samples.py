"""pytest fixture: the demo's sample Gemeinde Musterhausen, ingested and embedded once.

``musterhausen`` gives its public collection (Satzungen and the citizen FAQ, marked
public, "offen") under a tenant of its own. Ingesting, OCR-free as it is, and
embedding cost seconds, so it happens once per test module, committed, and is
deleted again (audit chain included) when the module is done, before other tests
count rows or index statistics.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def _musterhausen_committed(django_db_setup, django_db_blocker):
    from aktenkundig.assistant.management.commands.demo import sample_dir
    from aktenkundig.core.models import AccessLevel, Tenant
    from aktenkundig.core.services import get_or_create_collection
    from aktenkundig.documents.services import ingest_paths
    from aktenkundig.search.services import embed_pending

    folder = sample_dir()
    with django_db_blocker.unblock():
        tenant = Tenant.objects.create(
            slug="musterhausen", name="Gemeinde Musterhausen",
            contact="buergerservice@musterhausen.example",
        )
        collection = get_or_create_collection(
            tenant, "Musterhausen", access_level=AccessLevel.OFFEN, is_public=True
        )
        report = ingest_paths([folder / "satzungen", folder / "buergerservice"], collection)
        assert report.ok, report.summary()
        embed_pending(tenant=tenant)
    yield collection.pk
    with django_db_blocker.unblock():
        drop_audit_chain(tenant)
        tenant.delete()


def drop_audit_chain(tenant) -> None:
    """Audit records are write-once for the application (the model refuses to delete a
    tenant's chain); a committed test tenant's chain goes with raw SQL, for tests only."""
    from django.db import connection

    from aktenkundig.governance.models import AuditCheckpoint, AuditHead, AuditRecord

    with connection.cursor() as cursor:
        for model in (AuditRecord, AuditCheckpoint, AuditHead):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE tenant_id = %s",  # noqa: S608
                [tenant.pk],
            )


@pytest.fixture
def musterhausen(_musterhausen_committed, db):
    """The public collection of the sample Gemeinde Musterhausen (tenant attached)."""
    from aktenkundig.core.models import Collection

    return Collection.objects.select_related("tenant").get(pk=_musterhausen_committed)
