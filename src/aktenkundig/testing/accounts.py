"""pytest fixtures: tenants, users with roles, collections, documents with passages.

Used by the web-facing apps' tests (loaded from the root conftest).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import add_member
from aktenkundig.core.models import AccessLevel, Collection, Tenant
from aktenkundig.core.services import get_or_create_collection

PASSWORD = "Sachbearbeitung-2025!"  # noqa: S105 - test users only


@pytest.fixture
def tenant(db) -> Tenant:
    return Tenant.objects.create(slug="kreis-nord", name="Landkreis Nord")


@pytest.fixture
def other_tenant(db) -> Tenant:
    return Tenant.objects.create(slug="stadt-sued", name="Stadt Süd")


@pytest.fixture
def make_user(db) -> Callable:
    from django.contrib.auth import get_user_model

    def make(
        username: str,
        tenant: Tenant | None,
        roles: list[str] | None = None,
        unit: str = "",
        clearance: int = AccessLevel.INTERN,
        **extra,
    ):
        user = get_user_model().objects.create_user(username, password=PASSWORD, **extra)
        if tenant is not None:
            add_member(user, tenant, roles or [Role.STAFF], unit=unit, clearance=clearance)
        return user

    return make


@pytest.fixture
def staff_member(make_user, tenant):
    return make_user("erika", tenant, [Role.STAFF], unit="Amt 32")


@pytest.fixture
def subject_admin(make_user, tenant):
    return make_user("fritz", tenant, [Role.STAFF, Role.SUBJECT_ADMIN], unit="Amt 32")


@pytest.fixture
def administrator(make_user, tenant):
    return make_user(
        "admin", tenant, [Role.ADMINISTRATOR], clearance=AccessLevel.VS_NFD, is_staff=True
    )


@pytest.fixture
def stranger(make_user, other_tenant):
    """A Fachadmin of another tenant: may manage a lot, but nothing of ``tenant``."""
    return make_user(
        "mallory", other_tenant, [Role.ADMINISTRATOR], clearance=AccessLevel.VS_NFD
    )


@pytest.fixture
def satzungen(tenant) -> Collection:
    return get_or_create_collection(tenant, "Satzungen", AccessLevel.OFFEN)


@pytest.fixture
def make_document(db) -> Callable:
    """A document with stored original and passages, without running extraction:
    the passages are given; they are indexed for search like ingested ones."""
    from aktenkundig.documents.models import Chunk, Document, DocumentStatus

    def make(collection: Collection, title: str, passages: list[tuple[str, str]],
             status: str = DocumentStatus.INDEXED, data: bytes = b"%PDF-1.4 test\n"):
        import hashlib

        document = Document(
            tenant=collection.tenant,
            collection=collection,
            title=title,
            source_path=f"{title}.pdf",
            original_name=f"{title}.pdf",
            sha256=hashlib.sha256(data + title.encode()).hexdigest(),
            size=len(data),
            mime_type="application/pdf",
            status=status,
        )
        document.original.save(f"{document.sha256}.pdf", ContentFile(data), save=False)
        document.save()
        for ordinal, (section, text) in enumerate(passages):
            Chunk.objects.create(
                document=document,
                tenant=collection.tenant,
                collection=collection,
                ordinal=ordinal,
                section=section,
                text=text,
                page=ordinal + 1,
            )
        if passages:
            from aktenkundig.search.services import index_document

            index_document(document)
        return document

    return make
