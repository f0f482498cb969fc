"""``aktenkundig reindex``: rebuild the lexical index (after an analyzer update)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.core.services import NotFound, get_tenant
from aktenkundig.search.services import embed_pending, reindex


class Command(BaseCommand):
    help = "Suchindex neu aufbauen (Volltext); mit --embeddings auch fehlende Vektoren."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", default=None, help="nur dieser Mandant (Kürzel)")
        parser.add_argument(
            "--embeddings", action="store_true", help="danach fehlende Vektoren berechnen"
        )

    def handle(self, *args, **options):
        tenant = None
        if options["tenant"]:
            try:
                tenant = get_tenant(options["tenant"])
            except NotFound as error:
                raise CommandError(str(error)) from None
        count = reindex(tenant=tenant)
        self.stdout.write(f"{count} Abschnitte neu indexiert.")
        if options["embeddings"]:
            done = embed_pending(tenant=tenant, progress=True)
            self.stdout.write(f"{done} Abschnitte eingebettet.")
