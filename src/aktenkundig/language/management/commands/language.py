"""``aktenkundig language check|simplify|translate FILE``.

aktenkundig language check bescheid.txt --json
aktenkundig language simplify bescheid.txt --level leicht --json
aktenkundig language translate seite.html --to en --glossary glossar.json --json

``-`` reads standard input. ``check`` is offline; ``simplify`` and ``translate``
call the configured model or translation server (audited as the operator tool
``cli``, like ``ask``: shell access needs no KI-Register gate). The input format
of ``translate`` follows the file name (.html/.htm, .md) unless ``--format``.

The glossary file is JSON: a list of objects with ``term``, optional
``explanation``, ``keep`` (bool) and ``translations`` ({"en": "..."}).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import NotFound, get_tenant

MAX_FILE_BYTES = 5_000_000


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read(MAX_FILE_BYTES)
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"Datei nicht gefunden: {path}")
    if file.stat().st_size > MAX_FILE_BYTES:
        raise CommandError(f"Datei zu groß (höchstens {MAX_FILE_BYTES // 1_000_000} MB).")
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CommandError("Die Datei ist kein UTF-8-Text.") from error


def _glossary(path: str | None) -> list | None:
    if not path:
        return None
    from aktenkundig.language.translation import Term

    try:
        data = json.loads(_read(path))
        return [Term(str(d["term"]), bool(d.get("keep", False)),
                     {str(k): str(v) for k, v in (d.get("translations") or {}).items()},
                     str(d.get("explanation", ""))) for d in data]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CommandError(f"Glossar nicht lesbar: {error}") from error


class Command(BaseCommand):
    help = "Sprachdienste: Verständlichkeit prüfen, vereinfachen, übersetzen."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="Verständlichkeit prüfen (offline)")
        check.add_argument("file")
        check.add_argument("--json", action="store_true")
        check.add_argument("--glossary", default=None)
        check.add_argument("--tenant", default=None, metavar="SLUG")
        simplify = sub.add_parser("simplify", help="in Einfache/Leichte Sprache umschreiben")
        simplify.add_argument("file")
        simplify.add_argument("--level", choices=["einfach", "leicht"], default="einfach")
        simplify.add_argument("--json", action="store_true")
        simplify.add_argument("--rounds", type=int, default=3)
        simplify.add_argument("--level-data", default="intern",
                              help="Schutzstufe des Textes (offen, intern, vertraulich)")
        simplify.add_argument("--tenant", default=None, metavar="SLUG")
        translate = sub.add_parser("translate", help="übersetzen")
        translate.add_argument("file")
        translate.add_argument("--to", required=True, dest="target")
        translate.add_argument("--from", default="de", dest="source")
        translate.add_argument("--glossary", default=None)
        translate.add_argument("--format", choices=["text", "html", "markdown"], default=None)
        translate.add_argument("--json", action="store_true")
        translate.add_argument("--level-data", default="offen")
        translate.add_argument("--tenant", default=None, metavar="SLUG")

        batch = sub.add_parser("batch", help="eine Sammlung in mehrere Sprachen übersetzen")
        batch.add_argument("collection", help="Name oder Kürzel der Sammlung")
        batch.add_argument("--to", required=True, dest="targets",
                           help="Zielsprachen, durch Komma getrennt, z. B. en,tr,uk")
        batch.add_argument("--export", default=None, metavar="DIR",
                           help="danach je Sprache ein ZIP der veröffentlichten Texte ablegen")
        batch.add_argument("--enqueue", action="store_true",
                           help="nicht hier ausführen, sondern für die Worker einreihen")
        batch.add_argument("--tenant", default=None, metavar="SLUG")

    def handle(self, *args, action: str, **options) -> None:
        from aktenkundig.language import services
        from aktenkundig.llm.gateway import LLMError

        if action == "batch":
            self._batch(options)
            return
        text = _read(options["file"])
        try:
            tenant = get_tenant(options.get("tenant"))
        except NotFound:
            tenant = None
        try:
            if action == "check":
                report = services.check_text(text, tenant, _glossary(options["glossary"]))
                if options["json"]:
                    self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
                else:
                    self._print_check(report)
                return
            level = AccessLevel.parse(options["level_data"])
            if action == "simplify":
                result = services.simplify(text, tenant=tenant, level=options["level"],
                                           data_level=level, rounds=options["rounds"],
                                           channel="cli")
                if options["json"]:
                    self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
                    return
                self.stdout.write(result.text)
                self.stdout.write("")
                for problem in result.fact_check.problems() + result.rule_problems:
                    self.stdout.write(f"! {problem}")
                self.stdout.write("Faktencheck: " + ("in Ordnung" if result.fact_check.ok
                                                    else "NICHT bestanden – nicht verwenden"))
                return
            fmt = options["format"] or (
                "html" if options["file"].endswith((".html", ".htm"))
                else "markdown" if options["file"].endswith(".md") else "text")
            result = services.translate(text, target=options["target"], source=options["source"],
                                        tenant=tenant, fmt=fmt, data_level=level,
                                        glossary=_glossary(options["glossary"]), channel="cli")
        except (ValueError, LLMError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        self.stdout.write(result.text)
        for s in result.segments:
            for problem in s.problems:
                self.stderr.write(f"! {problem} ({s.source[:40]})")

    def _batch(self, options) -> None:
        """Run a batch in the foreground (or queue it for the workers with --enqueue)
        and print where it stands; --export writes one ZIP per language."""
        from django.db.models import Q

        from aktenkundig.core.models import Collection
        from aktenkundig.language import batch as batches

        try:
            tenant = get_tenant(options.get("tenant"))
        except NotFound as error:
            raise CommandError(str(error)) from error
        name = options["collection"]
        collection = Collection.objects.filter(tenant=tenant).filter(
            Q(name=name) | Q(slug=name)).first()
        if collection is None:
            raise CommandError(f"Die Sammlung „{name}“ gibt es nicht.")
        try:
            item = batches.start(tenant, None, collection,
                                 [t.strip() for t in options["targets"].split(",")],
                                 enqueue=options["enqueue"])
        except batches.BatchError as error:
            raise CommandError(str(error)) from error
        if not options["enqueue"]:
            item = batches.run(item)
        self.stdout.write(f"Stapel {item.pk}: {item.done} von {item.total} Übersetzungen, "
                          f"Stand: {item.get_status_display()}")
        for problem in item.problems:
            self.stderr.write(f"! {problem['document']} ({problem['target']}): "
                              f"{problem['reason']}")
        if options["export"] and item.status == item.Status.DONE:
            folder = Path(options["export"])
            folder.mkdir(parents=True, exist_ok=True)
            for target in item.targets:
                path = folder / f"uebersetzung-{item.pk}-{target}.zip"
                path.write_bytes(batches.export(item, target))
                self.stdout.write(str(path))

    def _print_check(self, report) -> None:
        from aktenkundig.language.checker import KINDS

        scores = report.scores
        self.stdout.write(
            f"Schwierigkeit {scores['difficulty']}/100 · Flesch-Amstad {scores['flesch_amstad']}"
            f" · Wiener Sachtextformel {scores['wiener_sachtextformel']} · LIX {scores['lix']}")
        for f in report.findings:
            self.stdout.write(f"{f.start}-{f.end}\t{KINDS[f.kind]}\t{f.text[:60]}\t{f.hint}")
