"""``aktenkundig ingest PATH... --collection NAME``: read files and folders into a collection."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import NotFound, get_or_create_collection, get_tenant
from aktenkundig.documents.extract import SUPPORTED_SUFFIXES
from aktenkundig.documents.services import IngestResult, ingest_paths

try:  # dense embeddings come from the search app (branch feat/search); optional until merged
    from aktenkundig.search.services import embed_pending
except ImportError:
    embed_pending = None


class Command(BaseCommand):
    help = (
        "Dokumente einlesen: Dateien und Ordner (rekursiv). Formate: "
        + " ".join(sorted(SUPPORTED_SUFFIXES))
        + ". Gescannte PDFs und Bilder werden per Texterkennung (OCR) gelesen."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Dateien oder Ordner")
        parser.add_argument("--collection", required=True, help="Sammlung (wird angelegt)")
        parser.add_argument("--tenant", default=None, help="Mandant (Kürzel)")
        parser.add_argument(
            "--access",
            default=None,
            choices=["offen", "intern", "vertraulich", "vs-nfd"],
            help="Schutzstufe einer neuen Sammlung (Standard: intern, mit --public: offen)",
        )
        parser.add_argument(
            "--public",
            action="store_true",
            help="neue Sammlung für den Bürger-Chatbot freigeben (nur mit Schutzstufe offen)",
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="nicht auf die Vektor-Einbettungen warten (sie entstehen im Hintergrund)",
        )

    def handle(self, *args, **options):
        access = options["access"]
        if options["public"] and access not in (None, "offen"):
            raise CommandError("--public ist nur mit --access offen möglich.")
        level = AccessLevel.parse(access or ("offen" if options["public"] else "intern"))
        try:
            tenant = get_tenant(options["tenant"])
        except NotFound as error:
            raise CommandError(str(error)) from None
        collection = get_or_create_collection(
            tenant, options["collection"], level, is_public=options["public"]
        )
        if access and collection.access_level != level:
            self.stderr.write(
                f"Hinweis: Sammlung {collection.name!r} besteht bereits mit Schutzstufe "
                f"{AccessLevel(collection.access_level).label}; --access wird ignoriert."
            )
        interactive = sys.stderr.isatty()

        def report_error(result: IngestResult) -> None:
            line = result.describe()
            if interactive:
                from tqdm import tqdm

                tqdm.write(line, file=sys.stderr)
            else:
                self.stderr.write(line)

        report = ingest_paths(
            options["paths"], collection, progress=interactive, on_error=report_error
        )
        if options["verbosity"] >= 2:
            for result in report.results:
                if result.status != "failed":
                    self.stdout.write(result.describe())
        self.stdout.write(f"{collection.name}: {report.summary()}")
        wrote = bool(report.new or report.replaced)
        if wrote and not options["no_wait"] and embed_pending is not None:
            embed_pending(progress=interactive)
        if not report.ok:
            sys.exit(1)
