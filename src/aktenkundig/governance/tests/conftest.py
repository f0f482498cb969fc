"""Fixtures: a tenant with people in the roles the governance workflows need."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import add_member
from aktenkundig.core.models import Tenant
from aktenkundig.governance import literacy, register
from aktenkundig.governance.models import EntryStatus, RegisterEntry


def make_user(tenant: Tenant, name: str, roles: list, unit: str = "Amt 10"):
    user = get_user_model().objects.create_user(name, password="geheim-genug-123")
    add_member(user, tenant, roles, unit=unit)
    return user


@pytest.fixture
def tenant(db):
    return Tenant.objects.create(slug="musterstadt", name="Stadt Musterstadt",
                                 contact="ki@musterstadt.de")


@pytest.fixture
def other_tenant(db):
    return Tenant.objects.create(slug="nachbarort", name="Gemeinde Nachbarort")


@pytest.fixture
def editor(tenant):
    return make_user(tenant, "fachadmin", [Role.SUBJECT_ADMIN])


@pytest.fixture
def officer(tenant):
    return make_user(tenant, "ki-beauftragte", [Role.AI_OFFICER])


@pytest.fixture
def clerk(tenant):
    return make_user(tenant, "sachbearbeitung", [Role.STAFF], unit="Amt 32")


@pytest.fixture
def reviewer(tenant):
    return make_user(tenant, "zweitpruefung", [Role.STAFF], unit="Amt 32")


@pytest.fixture
def admin_user(tenant):
    return make_user(tenant, "administration", [Role.ADMINISTRATOR])


def pass_all_modules(user, tenant) -> None:
    for module in literacy.modules():
        answers = {i: q.answer for i, q in enumerate(module.quiz)}
        result, _completion = literacy.submit_quiz(user, tenant, module.slug, answers)
        assert result.passed


def publish(tenant: Tenant, feature: str, editor, officer,
            status: str = EntryStatus.IN_USE) -> RegisterEntry:
    """Run the real two-step workflow for one of aktenkundig's features."""
    entry = RegisterEntry.objects.get(tenant=tenant, feature=feature)
    register.update_entry(entry, editor, status=status, responsible_unit="Hauptamt",
                          legal_basis="§ 3 EGovG", )
    register.submit(entry, editor)
    register.approve(entry, officer)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def live(tenant, editor, officer):
    """Publish a feature and return its entry: live("inbox")."""

    def _live(feature: str, status: str = EntryStatus.IN_USE) -> RegisterEntry:
        return publish(tenant, feature, editor, officer, status)

    return _live
