"""``aktenkundig tenant``: set up the authorities (Mandanten) of an installation.

    aktenkundig tenant add SLUG --name NAME [--contact ADDRESS]
    aktenkundig tenant list

Together with ``aktenkundig user add`` and ``aktenkundig token create`` an operator
sets up an installation from a script, without the Django admin or a shell.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.core.models import Tenant
from aktenkundig.core.services import InvalidTenant, create_tenant


class Command(BaseCommand):
    help = "Mandanten (Behörden) anlegen und auflisten."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Einen Mandanten anlegen.")
        add.add_argument("slug", help="Kürzel für Adressen, z. B. musterhausen")
        add.add_argument("--name", required=True, help="Name, z. B. „Gemeinde Musterhausen“")
        add.add_argument("--contact", default="",
                         help="allgemeiner Kontakt für Bürgerinnen und Bürger")
        sub.add_parser("list", help="Alle Mandanten auflisten.")

    def handle(self, *args, action: str, **options) -> None:
        if action == "add":
            try:
                tenant = create_tenant(options["slug"], options["name"], options["contact"])
            except InvalidTenant as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Mandant „{tenant.slug}“ ({tenant.name}) angelegt.")
        else:
            for tenant in Tenant.objects.order_by("slug"):
                self.stdout.write(f"{tenant.slug}\t{tenant.name}")
