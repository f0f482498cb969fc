from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import add_member
from aktenkundig.citizen import ratelimit
from aktenkundig.citizen.models import ChannelSettings
from aktenkundig.core.models import Tenant
from aktenkundig.governance import register
from aktenkundig.governance.models import EntryStatus, RegisterEntry

PASSWORD = "Buergerservice-2025!"  # test users only


def member(tenant: Tenant, username: str, roles: list[str], unit: str = "Bürgerbüro"):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    add_member(user, tenant, roles, unit=unit)
    return user


def approve_citizen_entry(tenant: Tenant, *, status: str = EntryStatus.IN_USE) -> RegisterEntry:
    """Put the chatbot into the KI-Register the way an authority has to: a
    Fachadmin completes and submits the entry, a different person with the
    KI-Beauftragte role approves it (four eyes)."""
    editor = member(tenant, f"{tenant.slug}-fachadmin", [Role.SUBJECT_ADMIN])
    officer = member(tenant, f"{tenant.slug}-ki-beauftragte", [Role.AI_OFFICER])
    register.ensure_default_entries(tenant)
    entry = RegisterEntry.objects.get(tenant=tenant, feature="citizen")
    register.update_entry(
        entry,
        editor,
        status=status,
        responsible_unit="Bürgerbüro",
        legal_basis="§ 3 EGovG NRW (elektronische Information), Art. 6 Abs. 1 lit. e DSGVO",
    )
    register.submit(entry, editor)
    register.approve(entry, officer)
    entry.refresh_from_db()
    return entry


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch):
    """Empty counters, and a rate-limit clock that stands half a second into a day (so
    into a window of every length used here, 5 s to 24 h). On the real clock a test
    whose requests straddled a window boundary saw its counter reset (one run in ~600
    of the longest-wait test failed so; the 60-second tests that send several answered
    questions straddle one in a few per cent of runs)."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 86_400 * 20_500 + 0.5))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def unapproved_tenant(db):
    """A tenant whose chatbot is configured but has no approved register entry."""
    tenant = Tenant.objects.create(
        slug="musterstadt", name="Stadt Musterstadt", contact="buergerservice@musterstadt.de"
    )
    ChannelSettings.objects.create(
        tenant=tenant,
        allowed_origins="https://www.musterstadt.de\nhttp://127.0.0.1:8765",
        handover_team="Bürgerbüro",
    )
    return tenant


@pytest.fixture
def tenant(unapproved_tenant):
    """The usual case: the chatbot is approved in the KI-Register and live."""
    approve_citizen_entry(unapproved_tenant)
    return unapproved_tenant


@pytest.fixture
def other_tenant(db):
    return Tenant.objects.create(
        slug="nachbarort", name="Gemeinde Nachbarort", contact="info@nachbarort.de"
    )
