"""The egress guard (aktenkundig.testing.egress) is active for every test."""

from __future__ import annotations

import socket
import threading

import pytest

from aktenkundig.testing.egress import EgressBlocked


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.10", "93.184.216.34", "2001:db8::1"])
def test_outbound_connections_are_blocked(address):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        with pytest.raises(EgressBlocked, match="blockiert"):
            sock.connect((address, 443))
        with pytest.raises(EgressBlocked):
            sock.connect_ex((address, 80))


def test_name_lookup_of_external_hosts_is_blocked():
    with pytest.raises(EgressBlocked, match=r"example\.org"):
        socket.getaddrinfo("example.org", 443)
    with pytest.raises(EgressBlocked):
        socket.create_connection(("publicsuffix.org", 443), timeout=0.5)


def test_loopback_still_works():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]))
    thread.start()
    with socket.create_connection(("localhost", port), timeout=2) as client:
        client.sendall(b"ok")
    thread.join(2)
    assert accepted and accepted[0].recv(2) == b"ok"
    accepted[0].close()
    server.close()


def test_unix_sockets_are_allowed(tmp_path):
    path = str(tmp_path / "s")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen()
    with socket.socket(socket.AF_UNIX) as client:
        client.connect(path)
    server.close()


def test_configured_hosts_are_allowed(monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_TEST_ALLOWED_HOSTS", "llm.intern")
    from aktenkundig.testing.egress import is_local

    assert is_local("llm.intern") and not is_local("llm.extern")
