"""Login lockouts behind a proxy and password spraying (issue #10, 8)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from aktenkundig.accounts import guard
from aktenkundig.testing.accounts import PASSWORD


@pytest.fixture(autouse=True)
def _clock_at_a_window_start(monkeypatch):
    """The failure counters run in fixed windows (15 minutes by default); twenty logins
    on the real clock could straddle a boundary and find the counter reset."""
    monkeypatch.setattr(guard, "time", SimpleNamespace(time=lambda: 86_400 * 20_500 + 0.5))


def _login(client, username, password, **meta):
    client.logout()
    client.post(reverse("accounts:login"), {"username": username, "password": password}, **meta)
    return "_auth_user_id" in client.session


def test_spraying_one_password_over_many_usernames_blocks_the_address(client, staff_member):
    attacker = {"REMOTE_ADDR": "198.51.100.7"}
    for n in range(20):
        assert not _login(client, f"nutzer{n}", "Sommer2025!", **attacker)
    # no pair reached axes' five failures, yet the address is now refused ...
    assert not _login(client, "erika", PASSWORD, **attacker)
    # ... and only the address
    assert _login(client, "erika", PASSWORD, REMOTE_ADDR="198.51.100.8")


def test_many_addresses_against_one_username_block_the_username(client, staff_member):
    for n in range(20):
        assert not _login(client, "erika", f"falsch{n}", REMOTE_ADDR=f"203.0.113.{n}")
    assert not _login(client, "erika", PASSWORD, REMOTE_ADDR="192.0.2.1")


def test_behind_a_proxy_one_clients_typos_do_not_lock_out_the_others(
    client, staff_member, monkeypatch
):
    monkeypatch.setenv("AKTENKUNDIG_CLIENT_IP_HEADER", "X-Real-IP")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(5):
        _login(client, "erika", "falsch", HTTP_X_REAL_IP="203.0.113.5", **proxy)
    assert not _login(client, "erika", PASSWORD, HTTP_X_REAL_IP="203.0.113.5", **proxy)
    assert _login(client, "erika", PASSWORD, HTTP_X_REAL_IP="203.0.113.6", **proxy)
