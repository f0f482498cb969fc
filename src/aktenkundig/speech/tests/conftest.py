"""Fixtures of the speech tests: the KI-Register entries ``speech`` and
``speech_live`` approved through the real four-eyes workflow, and a real ASGI
server for the live-subtitle WebSockets."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from aktenkundig.testing.accounts import approve_assistant


@pytest.fixture
def speech_tenant(tenant):
    approve_assistant(tenant, "speech")
    return tenant


@pytest.fixture
def asgi_server(transactional_db, settings):
    """uvicorn in a thread of this process (so it sees the test database), serving
    aktenkundig.routing's router around Django's WSGI handler (with static files,
    as pytest-django's live server does)."""
    import uvicorn
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    from aktenkundig.routing import application_for

    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = application_for(StaticFilesHandler(get_wsgi_application()), threads=4)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws="websockets-sansio", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def live_tenant(tenant, other_tenant):
    approve_assistant(tenant, "speech_live")
    approve_assistant(other_tenant, "speech_live")
    return tenant
