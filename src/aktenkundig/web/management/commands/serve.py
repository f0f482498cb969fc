"""``aktenkundig serve``: the production web server (uvicorn + whitenoise).

An ASGI server since live subtitles need WebSockets (aktenkundig.asgi): pages
still run as the WSGI application, in a pool of ``--threads`` threads per worker
process, WebSockets through Django Channels. Static files are collected into
DATA_DIR/static first (fast when nothing changed) and served by whitenoise from
the same process, so that a single command runs a complete installation. Put a
TLS-terminating reverse proxy in front for anything but localhost (it must pass
WebSocket upgrades on ``/ws/``).
"""

from __future__ import annotations

import errno
import os
import socket

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def _in_use_message(where: str, port: int) -> str:
    return (
        f"Port {port} ist schon belegt ({where}) – läuft dort noch ein anderer "
        "aktenkundig-Server? Beenden Sie ihn oder wählen Sie mit --port einen anderen Port."
    )


def ensure_port_free(host: str, port: int) -> None:
    """Refuse to start when ``host:port`` is taken, with one German sentence.

    The server would log in English and exit, after ``demo --web``
    had already printed a login that then leads to the *other* server. Binding is
    tried for every address ``host`` resolves to, with SO_REUSEADDR as the server
    binds. For a loopback or wildcard address, a server answering on the other
    loopback family counts too: with one process on [::1]:8000 and ours on
    127.0.0.1:8000 both would start, and a browser opening "localhost" would reach
    whichever it tries first.
    """
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise CommandError(f"Die Adresse „{host}“ ist unbekannt ({error.strerror}).") from None
    loopback_or_any = False
    for family, kind, proto, _name, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise CommandError(_in_use_message(f"{host}:{port}", port)) from None
                if error.errno == errno.EACCES:
                    raise CommandError(
                        f"Port {port} darf dieses Konto nicht öffnen (Ports unter 1024 "
                        "brauchen Administratorrechte). Wählen Sie mit --port einen anderen."
                    ) from None
                if error.errno == errno.EADDRNOTAVAIL:
                    raise CommandError(
                        f"Die Adresse „{host}“ gehört nicht zu diesem Rechner."
                    ) from None
                raise
        ip = address[0]
        loopback_or_any |= ip in ("127.0.0.1", "::1", "0.0.0.0", "::")  # noqa: S104
    if not loopback_or_any:
        return
    for family, other in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            try:
                probe.connect((other, port))
            except OSError:
                continue
        where = f"[{other}]:{port}" if ":" in other else f"{other}:{port}"
        raise CommandError(_in_use_message(where, port))


class Command(BaseCommand):
    help = "Run the production web server (uvicorn: pages and WebSockets, static files)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--workers", type=int, default=2, help="worker processes (default 2)"
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=8,
            help="threads per worker for pages; streamed answers hold one while they are "
            "written",
        )
        parser.add_argument(
            "--timeout", type=int, default=180,
            help="seconds a worker may stay unresponsive before it is restarted",
        )

    def handle(self, *args, **options):
        import uvicorn

        ensure_port_free(options["host"], options["port"])
        # Before the app exists: whitenoise indexes the static files at start-up.
        call_command("collectstatic", interactive=False, verbosity=0)
        host = options["host"].strip("[]")
        shown = f"[{host}]" if ":" in host else host
        # Read by aktenkundig.asgi in each worker process.
        os.environ["AKTENKUNDIG_HTTP_THREADS"] = str(max(1, options["threads"]))
        self.stdout.write(
            f"aktenkundig läuft auf http://{shown}:{options['port']}/ (Beenden mit Strg+C)"
        )
        self.stdout.flush()
        uvicorn.run(
            "aktenkundig.asgi:application",
            host=host,
            port=options["port"],
            workers=max(1, options["workers"]),
            # As gunicorn's --timeout: a worker that does not answer the supervisor
            # for this long is restarted. uvicorn's default (5 s) killed workers
            # while they were still importing on a loaded two-core machine, over
            # and over.
            timeout_worker_healthcheck=max(10, options["timeout"]),
            timeout_graceful_shutdown=30,
            proxy_headers=True,
            forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
            ws="websockets-sansio",
            ws_max_size=256 * 1024,  # audio frames are small; nothing else is accepted
            h11_max_incomplete_event_size=16 * 1024,  # headers stay small
            log_level="info",
            lifespan="off",
        )
