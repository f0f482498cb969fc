"""pytest fixtures: tenants, users with roles, collections, documents with passages.

Used by the web-facing apps' tests (loaded from the root conftest).

Governance (issue 6) is real here, not switched off: ``tenant`` and
``other_tenant`` come with the staff assistant's KI-Register entry approved
through the four-eyes workflow (an editor prepares and submits, a different
person with the KI-Beauftragte role approves; see :func:`approve_assistant`),
and the KI-Richtlinie keeps its default literacy requirement. Users made with
``make_user`` therefore pass the KI-Führerschein modules through
``governance.literacy`` (answering every quiz correctly, as a person would);
``make_user(..., trained=False)`` makes an untrained one.
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


def governance_people(tenant: Tenant) -> tuple:
    """The two people of ``tenant``'s register workflow: (editor, KI-Beauftragte).
    Without usable passwords: they act in fixtures only."""
    from django.contrib.auth import get_user_model

    people = []
    for name, role in (("ki-redaktion", Role.SUBJECT_ADMIN), ("ki-beauftragte", Role.AI_OFFICER)):
        user, created = get_user_model().objects.get_or_create(username=f"{name}-{tenant.slug}")
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            add_member(user, tenant, [role], unit="Hauptamt")
        people.append(user)
    return tuple(people)


def approve_assistant(tenant: Tenant, feature: str = "assistant"):
    """Approve ``feature``'s KI-Register entry (status: in use) via the real workflow."""
    from aktenkundig.governance.register import publish_feature

    editor, officer = governance_people(tenant)
    return publish_feature(
        tenant, feature, editor=editor, officer=officer, responsible_unit="Hauptamt",
        legal_basis="§ 3 EGovG", contact=f"ki@{tenant.slug}.example",
    )


def train(user, tenant: Tenant) -> None:
    """Pass every KI-Führerschein module through the real quizzes."""
    from aktenkundig.governance import literacy

    for module in literacy.modules():
        answers = {i: question.answer for i, question in enumerate(module.quiz)}
        result, _completion = literacy.submit_quiz(user, tenant, module.slug, answers)
        assert result.passed, module.slug


@pytest.fixture
def tenant(db) -> Tenant:
    tenant = Tenant.objects.create(slug="kreis-nord", name="Landkreis Nord")
    approve_assistant(tenant)
    return tenant


@pytest.fixture
def other_tenant(db) -> Tenant:
    tenant = Tenant.objects.create(slug="stadt-sued", name="Stadt Süd")
    approve_assistant(tenant)
    return tenant


@pytest.fixture
def ai_officer(tenant):
    """The KI-Beauftragte of ``tenant`` (approves register entries, may kill features)."""
    return governance_people(tenant)[1]


@pytest.fixture
def make_user(db) -> Callable:
    from django.contrib.auth import get_user_model

    def make(
        username: str,
        tenant: Tenant | None,
        roles: list[str] | None = None,
        unit: str = "",
        clearance: int = AccessLevel.INTERN,
        trained: bool = True,
        **extra,
    ):
        user = get_user_model().objects.create_user(username, password=PASSWORD, **extra)
        if tenant is not None:
            add_member(user, tenant, roles or [Role.STAFF], unit=unit, clearance=clearance)
            if trained:
                train(user, tenant)
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
