"""``aktenkundig demo``: the sample documents of the fictional Gemeinde Musterhausen,
ready to ask questions about, in the configured data directory."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.assistant.governed import audited
from aktenkundig.assistant.render import stream_to
from aktenkundig.assistant.services import InvalidQuestion, stream_answer
from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import get_or_create_collection, get_tenant

COLLECTION = "Musterhausen"
EXAMPLES = (
    "Wie hoch ist die Hundesteuer für den zweiten Hund?",
    "Wann ist die Hundesteuer fällig?",
    "Was kostet die Benutzung der Turnhalle?",
    "Wer ist für den Winterdienst auf dem Gehweg zuständig?",
)


def sample_dir() -> Path:
    return Path(
        str(resources.files("aktenkundig.documents").joinpath("sample_data", "musterhausen"))
    )


class Command(BaseCommand):
    help = "Demo with the Musterhausen sample documents: answers questions from stdin."

    def add_arguments(self, parser):
        parser.add_argument("--question", help="answer this one question and exit")
        parser.add_argument("--no-llm", action="store_true", help="answer extractively")
        parser.add_argument(
            "--web",
            action="store_true",
            help="open the web UI on the demo data (prints a demo login) instead of the console",
        )
        parser.add_argument("--host", default="127.0.0.1", help="with --web: address")
        parser.add_argument("--port", type=int, default=8000, help="with --web: port")

    def handle(self, *args, **options):
        tenant = self.setup()
        if options["web"]:
            self._web(tenant, options["host"], options["port"])
            return
        use_llm = False if options["no_llm"] else None
        if options["question"]:
            self._ask(options["question"], tenant, use_llm)
            return
        self.stdout.write("\nBeispielfragen:")
        for example in EXAMPLES:
            self.stdout.write(f"  • {example}")
        self.stdout.write("\nIhre Frage (leere Zeile beendet):")
        while True:
            self.stdout.write("> ", ending="")
            self.stdout.flush()
            line = sys.stdin.readline()
            if not line.strip():
                break
            self._ask(line, tenant, use_llm)
            self.stdout.write("")

    def setup(self):
        """Default tenant; public collection "Musterhausen" (offen) with the Satzungen
        and the citizen FAQ, "Musterhausen intern" (intern) with the Dienstanweisung;
        documents ingested and embedded. Running it again changes nothing."""
        from aktenkundig.documents.services import ingest_paths
        from aktenkundig.search.services import embed_pending, wait_for_background_embeddings

        folder = sample_dir()
        if not folder.is_dir():
            raise CommandError(f"Beispieldokumente fehlen ({folder}).")
        tenant = get_tenant()
        public = get_or_create_collection(
            tenant, COLLECTION, access_level=AccessLevel.OFFEN, is_public=True
        )
        internal = get_or_create_collection(
            tenant, f"{COLLECTION} intern", access_level=AccessLevel.INTERN
        )
        plan = [
            ([folder / "satzungen", folder / "buergerservice"], public),
            ([folder / "intern"], internal),
        ]
        changed = failed = 0
        for paths, collection in plan:
            report = ingest_paths([p for p in paths if p.is_dir()], collection)
            changed += len(report.new) + len(report.replaced)
            for result in report.failed:
                failed += 1
                self.stderr.write(result.describe())
        if failed:
            raise CommandError("Nicht alle Beispieldokumente ließen sich einlesen.")
        # Vectors for hybrid search; a no-op when a background worker got there first.
        wait_for_background_embeddings()
        embed_pending(tenant=tenant)
        if changed:
            self.stdout.write(f"{changed} Beispieldokumente der Gemeinde Musterhausen eingelesen.")
        else:
            self.stdout.write("Beispieldokumente der Gemeinde Musterhausen sind bereit.")
        return tenant

    def _web(self, tenant, host: str, port: int) -> None:
        from django.core.management import call_command

        from aktenkundig.accounts.services import ensure_demo_user

        username, password = ensure_demo_user(tenant)
        self.stdout.write(
            f"\nDemo-Anmeldung: http://{host}:{port}/  Benutzer: {username}  "
            f"Passwort: {password}\n"
        )
        call_command("serve", host=host, port=port)

    def _ask(self, question: str, tenant, use_llm) -> None:
        try:
            stream_to(self.stdout, audited(
                stream_answer(question, tenant=tenant, use_llm=use_llm), tenant, channel="cli"
            ))
        except InvalidQuestion as error:
            self.stderr.write(str(error))
