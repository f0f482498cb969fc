"""``aktenkundig ask``: answer questions from the documents, with citations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.assistant.governed import answer_audited, audited
from aktenkundig.assistant.render import stream_to
from aktenkundig.assistant.services import InvalidQuestion, stream_answer
from aktenkundig.core.services import NotFound, get_collection, get_tenant

CHANNEL = "cli"


class Command(BaseCommand):
    help = (
        "Answer a question from the documents, with citations (or refuse). Every answer "
        "is recorded in the audit log (actor 'cli'). An operator tool: not gated by the "
        "KI-Register, because whoever runs it has shell access to the installation "
        "anyway, and evaluation scripts run it on a fresh data directory."
    )

    def add_arguments(self, parser):
        parser.add_argument("question", nargs="?", help="the question (German)")
        parser.add_argument(
            "--collection",
            action="append",
            default=[],
            metavar="NAME",
            help="only search this collection (repeatable)",
        )
        parser.add_argument("--tenant", default=None, metavar="SLUG")
        parser.add_argument("--json", action="store_true", help="print the answer as JSON")
        parser.add_argument(
            "--batch",
            metavar="FILE",
            help="answer every line of FILE (plain question or JSON with 'question'; "
            "'-' reads stdin); prints one JSON object per line",
        )
        parser.add_argument(
            "--no-llm", action="store_true", help="answer extractively even if a model is set"
        )

    def handle(self, *args, **options):
        try:
            tenant = get_tenant(options["tenant"])
            collections = [get_collection(tenant, name) for name in options["collection"]]
        except NotFound as error:
            raise CommandError(str(error)) from error
        scope = {
            "tenant": tenant,
            "collections": collections or None,
            "use_llm": False if options["no_llm"] else None,
        }
        if options["batch"]:
            if options["question"]:
                raise CommandError("Entweder eine Frage oder --batch angeben, nicht beides.")
            return self._batch(options["batch"], scope)
        if not options["question"]:
            raise CommandError('Bitte eine Frage angeben, z. B. aktenkundig ask "...".')
        try:
            if options["json"]:
                result = answer_audited(options["question"], channel=CHANNEL, **scope)
                self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
            else:
                stream_to(self.stdout, audited(
                    stream_answer(options["question"], **scope), scope["tenant"], channel=CHANNEL
                ))
        except InvalidQuestion as error:
            raise CommandError(str(error)) from error

    def _batch(self, source: str, scope: dict) -> None:
        if source == "-":
            lines = sys.stdin
        else:
            path = Path(source)
            if not path.is_file():
                raise CommandError(f"Datei {source} gibt es nicht.")
            lines = path.open(encoding="utf-8")
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line:
                continue
            question = line
            if line.startswith("{"):
                try:
                    question = str(json.loads(line).get("question", ""))
                except (json.JSONDecodeError, AttributeError):
                    self._emit({"line": number, "error": "Zeile ist kein gültiges JSON."})
                    continue
            try:
                record = answer_audited(question, channel=CHANNEL, **scope).as_dict()
                record = {"question": question, **record}
            except InvalidQuestion as error:
                record = {"question": question, "line": number, "error": str(error)}
            self._emit(record)

    def _emit(self, record: dict) -> None:
        self.stdout.write(json.dumps(record, ensure_ascii=False))
        self.stdout.flush()
