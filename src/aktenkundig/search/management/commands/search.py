"""``aktenkundig search QUERY --collection NAME``: ranked passages from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.core.services import NotFound, get_collection, get_tenant
from aktenkundig.search.services import SearchError, SearchHit, search


def hit_json(hit: SearchHit) -> dict:
    return {
        "document": hit.document_title,
        "path": hit.source_path,
        "section": hit.section,
        "page": hit.page,
        "score": hit.score,
        "text": hit.text,
    }


class Command(BaseCommand):
    help = "Dokumente durchsuchen (hybrid: BM25 und Vektoren)."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?", help="Suchanfrage")
        parser.add_argument(
            "--collection", action="append", default=[],
            help="Sammlung (Name oder Kürzel); mehrfach möglich. Ohne: alle Sammlungen.",
        )  # fmt: skip
        parser.add_argument("--tenant", default=None, help="Mandant (Kürzel)")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default="hybrid")
        parser.add_argument("--json", action="store_true", help="Ergebnis als JSON")
        parser.add_argument(
            "--batch", type=Path, default=None,
            help="Datei mit einer Anfrage pro Zeile; gibt je Zeile ein JSON-Objekt aus",
        )  # fmt: skip

    def handle(self, *args, **options):
        if options["limit"] < 1:
            raise CommandError("--limit muss mindestens 1 sein.")
        try:
            tenant = get_tenant(options["tenant"])
            collections = [get_collection(tenant, name) for name in options["collection"]] or None
        except NotFound as error:
            raise CommandError(str(error)) from None

        def run(query: str) -> list[SearchHit]:
            try:
                return search(
                    query, tenant=tenant, collections=collections,
                    limit=options["limit"], mode=options["mode"],
                )  # fmt: skip
            except SearchError as error:
                raise CommandError(str(error)) from None

        if options["batch"] is not None:
            try:
                lines = options["batch"].read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise CommandError(f"Datei {options['batch']} ist nicht lesbar: {error}") from None
            for line in lines:
                if line.strip():
                    results = [hit_json(h) for h in run(line.strip())]
                    self.stdout.write(json.dumps({"results": results}, ensure_ascii=False))
            return
        if not options["query"] or not options["query"].strip():
            raise CommandError("Bitte eine Suchanfrage angeben (oder --batch DATEI).")
        hits = run(options["query"])
        if options["json"]:
            payload = {"results": [hit_json(h) for h in hits]}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        if not hits:
            self.stdout.write("Keine Treffer.")
            return
        for rank, hit in enumerate(hits, start=1):
            where = " · ".join(
                part for part in (hit.section, f"S. {hit.page}" if hit.page else "") if part
            )
            self.stdout.write(self.style.MIGRATE_HEADING(f"{rank}. {hit.document_title}"))
            self.stdout.write(f"   {where}  [{hit.score:.4f}]  {hit.source_path}")
            self.stdout.write("   " + " ".join(hit.highlighted.split())[:600])
            self.stdout.write("")
