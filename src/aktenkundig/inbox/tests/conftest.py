from __future__ import annotations

import pytest

from aktenkundig.inbox import services
from aktenkundig.inbox.tests import letters
from aktenkundig.testing.accounts import approve_assistant


@pytest.fixture
def inbox_tenant(tenant):
    """``tenant`` with the Posteingang's KI-Register entry approved (four eyes) and the
    units of the synthetic corpus imported from a Geschäftsverteilungsplan CSV."""
    approve_assistant(tenant, "inbox")
    services.import_plan(tenant, letters.plan_csv().encode("utf-8"))
    return tenant


@pytest.fixture
def trained_tenant(inbox_tenant):
    pairs = letters.corpus(per_unit=14)
    services.train(inbox_tenant, [t for t, _ in pairs], [c for _, c in pairs], source="test")
    return inbox_tenant


def text_item(tenant, text: str, name: str = "brief.txt"):
    return services.receive(tenant, services.Incoming(text.encode("utf-8"), name, "upload"))
