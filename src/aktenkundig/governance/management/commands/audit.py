"""``aktenkundig audit``: verify, prune, checkpoint and export the audit log.

    aktenkundig audit verify [--tenant SLUG]      exit code 1 if any chain is broken
    aktenkundig audit prune [--tenant SLUG]       remove records past the retention period
    aktenkundig audit checkpoint [--tenant SLUG]  sign the current chain heads
    aktenkundig audit export-case --tenant SLUG CASE [--text]
"""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.core.models import Tenant
from aktenkundig.core.services import NotFound, get_tenant
from aktenkundig.governance import audit, cases


class Command(BaseCommand):
    help = "Manipulationssicheres KI-Protokoll prüfen, bereinigen und exportieren."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("verify", "Hash-Kette prüfen; Exit-Code 1 bei Fehlern."),
            ("prune", "Einträge nach Ablauf der Aufbewahrungsfrist löschen (mit Prüfpunkt)."),
            ("checkpoint", "Aktuellen Kettenkopf als signierten Prüfpunkt sichern."),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("--tenant", help="Kürzel des Mandanten (Standard: alle)")
        export = sub.add_parser("export-case", help="Alles zu einem Vorgang exportieren.")
        export.add_argument("--tenant", help="Kürzel des Mandanten")
        export.add_argument("case", help="Aktenzeichen / Vorgangsnummer")
        export.add_argument("--text", action="store_true",
                            help="Nur die verständliche Erklärung (Art. 86 KI-VO)")

    def _tenants(self, slug: str | None) -> list[Tenant]:
        if slug:
            try:
                return [get_tenant(slug)]
            except NotFound as error:
                raise CommandError(str(error)) from None
        return list(Tenant.objects.order_by("slug"))

    def handle(self, *args, action: str, tenant: str | None = None, **options) -> None:
        if action == "verify":
            self._verify(self._tenants(tenant), every_tenant=not tenant)
        elif action == "prune":
            try:
                days = audit.retention_days()
            except ValueError as error:
                raise CommandError(str(error)) from None
            for t in self._tenants(tenant):
                try:
                    result = audit.prune(t, days=days)
                except audit.ChainBroken as error:
                    raise CommandError(str(error)) from None
                self.stdout.write(
                    f"{t.slug}: {result.deleted} Einträge älter als {days} Tage gelöscht"
                    + (f", Prüfpunkt bei {result.checkpoint_seq}" if result.checkpoint_seq else "")
                )
        elif action == "checkpoint":
            for t in self._tenants(tenant):
                cp = audit.checkpoint(t)
                self.stdout.write(f"{t.slug}: " + (f"Prüfpunkt bei {cp.seq}" if cp else "leer"))
        elif action == "export-case":
            [t] = self._tenants(tenant or None) if tenant else [get_tenant()]
            if options["text"]:
                self.stdout.write(cases.explanation(t, options["case"]))
            else:
                self.stdout.write(
                    json.dumps(cases.export_case(t, options["case"]), ensure_ascii=False, indent=2)
                )

    def _verify(self, tenants: list[Tenant], *, every_tenant: bool = True) -> None:
        broken = False
        anchors = audit.anchor.read(audit._key())
        if not anchors.found:
            self.stderr.write(
                "Hinweis: keine Ankerdatei außerhalb der Datenbank gefunden "
                "(AKTENKUNDIG_AUDIT_ANCHOR); ein vollständiges Löschen wäre nicht erkennbar."
            )
        for t in tenants:
            started = time.perf_counter()
            result = audit.verify_chain(t, anchors=anchors)
            seconds = time.perf_counter() - started
            if result.ok:
                unanchored = "" if result.anchored or not result.records else (
                    ", nicht außerhalb der Datenbank verankert"
                )
                self.stdout.write(
                    f"{t.slug}: {result.records} Einträge, Kette in Ordnung{unanchored} "
                    f"({seconds:.2f} s)"
                )
                continue
            broken = True
            self.stderr.write(
                f"{t.slug}: Kette gebrochen bei Eintrag {result.first_break} "
                f"({len(result.problems)} Befunde):"
            )
            for problem in result.problems:
                self.stderr.write(f"  - {problem.message}")
        if every_tenant:
            for tenant_id, seq in audit.vanished_tenants(anchors):
                broken = True
                self.stderr.write(
                    f"Mandant {tenant_id}: laut Anker {seq} Einträge, in der Datenbank "
                    "gibt es ihn nicht mehr (gelöscht)."
                )
        if broken:
            sys.exit(1)
