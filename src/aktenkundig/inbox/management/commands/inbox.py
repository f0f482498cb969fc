"""``aktenkundig inbox``: the Posteingang from the command line.

    aktenkundig inbox train FILE.jsonl [--tenant T]
    aktenkundig inbox classify --json --batch FILE.jsonl [--tenant T]
    aktenkundig inbox watch DIR [--archive DIR] [--once] [--tenant T]
    aktenkundig inbox import-plan FILE.csv [--tenant T]
    aktenkundig inbox rollback VERSION [--tenant T]
    aktenkundig inbox imap [--tenant T]
    aktenkundig inbox deliver
    aktenkundig inbox retrain [--enqueue] [--tenant T]
    aktenkundig inbox escalate [--hours 48] [--tenant T]

The names and the JSON lines of ``train`` and ``classify`` are fixed: evaluation
scripts call them (issue #12, 7).
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.core.services import NotFound, get_tenant
from aktenkundig.inbox import services

MAX_LINES = 200_000


def _read_jsonl(path: str, *, need_label: bool) -> list[dict]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from error
    except UnicodeDecodeError:
        raise CommandError(f"{path}: keine UTF-8-Datei.") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(rows) >= MAX_LINES:
            raise CommandError(f"Mehr als {MAX_LINES} Zeilen.")
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise CommandError(f"Zeile {number}: kein gültiges JSON ({error.msg}).") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise CommandError(f"Zeile {number}: es fehlt \"text\".")
        if need_label and not isinstance(row.get("label"), str | int):
            raise CommandError(f"Zeile {number}: es fehlt \"label\".")
        rows.append(row)
    return rows


class Command(BaseCommand):
    help = "Posteingang: Zuordnungsmodell trainieren, Texte zuordnen, Scanordner beobachten."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="Modell aus JSON-Zeilen {text, label} trainieren")
        train.add_argument("file")
        train.add_argument("--tenant", default=None, metavar="SLUG")
        classify = sub.add_parser("classify", help="Texte zuordnen (JSON-Zeilen {text})")
        classify.add_argument("--json", action="store_true", help="eine JSON-Zeile je Text")
        classify.add_argument("--batch", required=True, metavar="FILE")
        classify.add_argument("--tenant", default=None, metavar="SLUG")
        watch = sub.add_parser("watch", help="Scanordner beobachten")
        watch.add_argument("directory")
        watch.add_argument("--archive", default=None)
        watch.add_argument("--interval", type=float, default=2.0)
        watch.add_argument("--settle", type=float, default=2.0)
        watch.add_argument("--once", action="store_true", help="einen Durchgang, dann Ende")
        watch.add_argument("--tenant", default=None, metavar="SLUG")
        plan = sub.add_parser("import-plan", help="Geschäftsverteilungsplan (CSV) einlesen")
        plan.add_argument("file")
        plan.add_argument("--tenant", default=None, metavar="SLUG")
        back = sub.add_parser("rollback", help="frühere Modellversion aktivieren")
        back.add_argument("version", type=int)
        back.add_argument("--tenant", default=None, metavar="SLUG")
        sub.add_parser("deliver", help="fällige Zustellungen (Webhook, Mail, Ordner) versuchen")
        retrain = sub.add_parser("retrain", help="aus bestätigten Eingängen neu trainieren")
        retrain.add_argument("--tenant", default=None, metavar="SLUG")
        retrain.add_argument("--enqueue", action="store_true", help="als Hintergrundaufgabe")
        escalate = sub.add_parser("escalate", help="lange wartende Eingänge an die Vertretung")
        escalate.add_argument("--hours", type=int, default=48)
        escalate.add_argument("--tenant", default=None, metavar="SLUG")
        imap = sub.add_parser("imap", help="neue Mails aus dem Funktionspostfach holen")
        imap.add_argument("--tenant", default=None, metavar="SLUG")

    def handle(self, *args, **options):
        try:
            tenant = get_tenant(options.get("tenant"))
        except NotFound as error:
            raise CommandError(str(error)) from None
        try:
            return getattr(self, "_" + options["action"].replace("-", "_"))(tenant, options)
        except services.InboxError as error:
            raise CommandError(str(error)) from None

    def _train(self, tenant, options):
        rows = _read_jsonl(options["file"], need_label=True)
        model = services.train(tenant, [r["text"] for r in rows],
                               [str(r["label"]) for r in rows], source=Path(options["file"]).name)
        evaluation = model.evaluation
        self.stdout.write(json.dumps({
            "model_version": model.version, "model": model.label, "tenant": tenant.slug,
            "n": model.n_items, "labels": model.labels,
            "cross_validated": {k: evaluation.get(k) for k in (
                "accuracy", "macro_f1", "ece", "threshold", "auto_share", "auto_precision",
                "folds", "per_label")},
        }, ensure_ascii=False))

    def _classify(self, tenant, options):
        rows = _read_jsonl(options["batch"], need_label=False)
        suggestions, _model = services.classify(tenant, [r["text"] for r in rows])
        for suggestion in suggestions:
            data = suggestion.as_json()
            if options["json"]:
                self.stdout.write(json.dumps(data, ensure_ascii=False))
            else:
                label = data["label"] or "– (Mensch entscheidet)"
                self.stdout.write(f"{label}\t{data['probability']:.2f}")

    def _watch(self, tenant, options):
        from aktenkundig.inbox.consumers.folder import FolderConsumer

        directory = Path(options["directory"])
        if not directory.is_dir():
            raise CommandError(f"{directory} ist kein Ordner.")
        consumer = FolderConsumer(tenant, directory, archive=options["archive"],
                                  settle_seconds=options["settle"])
        if options["once"]:
            consumer.scan()  # the first look only notes sizes; the second may take files
            import time

            time.sleep(max(options["settle"], 0.05))
            for item in consumer.scan():
                self.stdout.write(f"{item.pk}\t{item.get_status_display()}\t{item.original_name}")
            return
        self.stdout.write(f"Beobachte {directory} (Strg+C beendet).")
        with contextlib.suppress(KeyboardInterrupt):
            consumer.watch(interval=options["interval"])

    def _import_plan(self, tenant, options):
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as error:
            raise CommandError(f"{options['file']}: {error.strerror}") from None
        created, updated = services.import_plan(tenant, data)
        self.stdout.write(f"{created} neu, {updated} aktualisiert")

    def _rollback(self, tenant, options):
        model = services.rollback(tenant, options["version"])
        self.stdout.write(f"aktiv: {model.label}")

    def _retrain(self, tenant, options):
        if options["enqueue"]:
            from aktenkundig.inbox.tasks import retrain_task

            retrain_task.enqueue(tenant.pk)
            self.stdout.write("Neu-Training eingereiht.")
            return
        model = services.train_from_confirmed(tenant)
        self.stdout.write(json.dumps({"model_version": model.version,
                                      "cross_validated": model.evaluation}, ensure_ascii=False))

    def _escalate(self, tenant, options):
        count = services.escalate(tenant, hours=options["hours"])
        self.stdout.write(f"{count} Eingänge an die Vertretung weitergegeben")

    def _deliver(self, tenant, options):
        from aktenkundig.inbox.delivery import retry_due

        self.stdout.write(f"{retry_due()} Zustellungen versucht")

    def _imap(self, tenant, options):
        from aktenkundig import config
        from aktenkundig.inbox.consumers.imap import ImapConsumer

        configured = config.get("AKTENKUNDIG_INBOX_IMAP_TENANT").strip()
        if not options.get("tenant") and configured:
            try:
                tenant = get_tenant(configured)
            except NotFound as error:
                raise CommandError(str(error)) from None
        try:
            items = ImapConsumer(tenant).fetch()
        except (OSError, ValueError) as error:
            raise CommandError(f"IMAP: {error}") from None
        self.stdout.write(f"{len(items)} Mails übernommen")
