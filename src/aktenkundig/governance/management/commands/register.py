"""``aktenkundig register``: the KI-Register from the command line.

    aktenkundig register seed [--tenant SLUG]                 drafts for aktenkundig's features
    aktenkundig register export [--tenant SLUG] [--csv]       published entries (JSON or CSV)
    aktenkundig register status [--tenant SLUG]               entries, state, overdue reviews
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.core.models import Tenant
from aktenkundig.core.services import NotFound, get_tenant
from aktenkundig.governance import policy, register
from aktenkundig.governance.features import FEATURES
from aktenkundig.governance.models import RegisterEntry


class Command(BaseCommand):
    help = "KI-Register: Entwürfe anlegen, exportieren, Stand anzeigen."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("seed", "export", "status"):
            p = sub.add_parser(name)
            p.add_argument("--tenant", help="Kürzel des Mandanten (Standard: Standard-Mandant)")
            if name == "export":
                p.add_argument("--csv", action="store_true", help="CSV statt JSON")

    def handle(self, *args, action: str, tenant: str | None = None, **options) -> None:
        try:
            target: Tenant = get_tenant(tenant)
        except NotFound as error:
            raise CommandError(str(error)) from None
        if action == "seed":
            created = register.ensure_default_entries(target)
            self.stdout.write(f"{target.slug}: {len(created)} Entwürfe angelegt")
        elif action == "export":
            if options["csv"]:
                self.stdout.write(register.export_csv(target), ending="")
            else:
                self.stdout.write(json.dumps(register.export_json(target), ensure_ascii=False,
                                             indent=2))
        else:
            overdue = {e.pk for e in register.overdue_entries(target)}
            for entry in RegisterEntry.objects.filter(tenant=target).select_related("published"):
                state = policy.feature_enabled(target, entry.feature) if entry.feature in FEATURES \
                    else None
                on = "" if state is None else (" [an]" if state.allowed else " [aus]")
                version = f"v{entry.published.number}" if entry.published else "unveröffentlicht"
                flag = " ÜBERPRÜFUNG ÜBERFÄLLIG" if entry.pk in overdue else ""
                self.stdout.write(
                    f"{entry.slug}: {entry.get_state_display()}, {version}{on}{flag}"
                )
