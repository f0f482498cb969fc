from __future__ import annotations

import pytest
from django.core.cache import cache

from aktenkundig.citizen.models import ChannelSettings
from aktenkundig.core.models import Tenant


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tenant(db):
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
def other_tenant(db):
    return Tenant.objects.create(slug="nachbarort", name="Gemeinde Nachbarort")
