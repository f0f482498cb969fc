"""Pytest plugin: no test may open a network connection beyond this machine.

Registered for the whole suite in the root ``conftest.py``. It patches
``socket.socket.connect``/``connect_ex`` and ``socket.getaddrinfo`` so that
only loopback addresses, unix sockets and hosts listed in
``AKTENKUNDIG_TEST_ALLOWED_HOSTS`` (comma-separated) are reachable; anything
else fails the test with :class:`EgressBlocked`. Name lookups of non-local
names are refused too, so a library cannot even learn an external address
(which is what first leaks a request to a resolver).

This is how the suite proves the product's promise "nothing leaves the
authority's servers": ingestion, search, answering and the web app all run
under it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class EgressBlocked(ConnectionError):
    """An outbound connection to a non-local host was attempted."""


def allowed_hosts() -> frozenset[str]:
    configured = os.environ.get("AKTENKUNDIG_TEST_ALLOWED_HOSTS", "")
    return frozenset(h.strip().lower() for h in configured.split(",") if h.strip())


def is_local(host: str | bytes | None) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port) means the local wildcard address
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = host.strip("[]").lower()
    if host in _LOCAL_NAMES or host in allowed_hosts() or host == "":
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _check(sock: socket.socket, address) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    if not is_local(host):
        raise EgressBlocked(
            f"Ausgehende Verbindung zu {address!r} blockiert: Tests dürfen nur "
            "localhost erreichen (AKTENKUNDIG_TEST_ALLOWED_HOSTS erweitert die Liste)."
        )


def _guarded_connect(self, address):
    _check(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check(self, address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not is_local(host):
        raise EgressBlocked(
            f"Namensauflösung von {host!r} blockiert (keine Verbindungen nach außen)."
        )
    return _real_getaddrinfo(host, *args, **kwargs)


def install() -> None:
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    socket.getaddrinfo = _guarded_getaddrinfo


def uninstall() -> None:
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex
    socket.getaddrinfo = _real_getaddrinfo


@contextmanager
def guard() -> Iterator[None]:
    installed = socket.socket.connect is _guarded_connect
    install()
    try:
        yield
    finally:
        if not installed:
            uninstall()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_egress: the test may connect anywhere (none should need it)"
    )
    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    uninstall()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if item.get_closest_marker("allow_egress"):
        uninstall()
        try:
            yield
        finally:
            install()
    else:
        yield
