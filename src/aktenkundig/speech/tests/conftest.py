"""Fixtures of the speech tests: the KI-Register entry ``speech`` approved through
the real four-eyes workflow."""

from __future__ import annotations

import pytest

from aktenkundig.testing.accounts import approve_assistant


@pytest.fixture
def speech_tenant(tenant):
    approve_assistant(tenant, "speech")
    return tenant
