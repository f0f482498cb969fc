"""``aktenkundig serve``: the production web server (gunicorn + whitenoise).

Static files are collected into DATA_DIR/static first (fast when nothing
changed) and served by whitenoise from the same process, so that a single
command runs a complete installation. Put a TLS-terminating reverse proxy in
front for anything but localhost.
"""

from __future__ import annotations

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the production web server (gunicorn, static files via whitenoise)."

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
            help="threads per worker; streamed answers hold one while they are written",
        )
        parser.add_argument("--timeout", type=int, default=180, help="request timeout (s)")

    def handle(self, *args, **options):
        from gunicorn.app.base import BaseApplication

        # Before the WSGI app exists: whitenoise indexes the static files at start-up.
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        if ":" in options["host"] and not options["host"].startswith("["):
            bind = f"[{options['host']}]:{options['port']}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "timeout": options["timeout"],
            "graceful_timeout": 30,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "info",
            # No request bodies beyond what uploads need; headers stay small.
            "limit_request_field_size": 8190,
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        }

        class Server(BaseApplication):
            def load_config(self):
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self):
                from aktenkundig.wsgi import application

                return application

        self.stdout.write(f"aktenkundig läuft auf http://{bind}/ (Beenden mit Strg+C)")
        Server().run()
