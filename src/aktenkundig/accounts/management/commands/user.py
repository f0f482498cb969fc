"""``aktenkundig user``: people of a tenant, with roles and clearance.

    aktenkundig user add USERNAME --tenant SLUG --role ROLE [--role ROLE ...]
                         [--clearance LEVEL] [--unit UNIT]
    aktenkundig user list [--tenant SLUG]

The password is read from standard input (first line), so that it appears neither
in the process list nor in the shell history:
``printf '%s\\n' "$PASSWORT" | aktenkundig user add ...``. Without input (a terminal,
or empty input) a random password is generated and printed once; it is not stored
anywhere in clear text.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.accounts.models import Membership
from aktenkundig.accounts.services import (
    InvalidAccount,
    create_user,
    generate_password,
    parse_clearance,
    parse_role,
    role_names,
)
from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import NotFound, get_tenant


def read_password(stdin) -> str | None:
    """The first line of ``stdin`` when something is piped in, else None."""
    if stdin is None or stdin.closed or stdin.isatty():
        return None
    line = stdin.readline()
    return line.rstrip("\r\n") or None


class Command(BaseCommand):
    help = "Benutzerinnen und Benutzer eines Mandanten anlegen und auflisten."
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser(
            "add", help="Eine Person anlegen (Passwort von der Standardeingabe, "
                        "sonst wird eines erzeugt und einmal angezeigt).")
        add.add_argument("username", help="Anmeldename")
        add.add_argument("--tenant", required=True, help="Kürzel des Mandanten")
        add.add_argument("--role", action="append", default=[], required=True,
                         help=f"Rolle, auch mehrfach: {role_names()}")
        add.add_argument("--clearance", help="höchste lesbare Schutzstufe: offen, intern "
                                             "(Standard), vertraulich, vs-nfd")
        add.add_argument("--unit", default="", help="Organisationseinheit, z. B. „Amt 32“")
        lst = sub.add_parser("list", help="Personen auflisten.")
        lst.add_argument("--tenant", help="nur dieser Mandant")

    def handle(self, *args, action: str, **options) -> None:
        if action == "list":
            self._list(options.get("tenant"))
            return
        try:
            tenant = get_tenant(options["tenant"])
            roles = list(dict.fromkeys(
                parse_role(part) for raw in options["role"] for part in raw.split(",")
                if part.strip()))
            clearance = parse_clearance(options["clearance"]) if options["clearance"] else None
            given = read_password(options.get("stdin") or sys.stdin)
            password = given or generate_password()
            user = create_user(options["username"], tenant, roles, password=password,
                               clearance=clearance, unit=options["unit"])
        except (InvalidAccount, NotFound) as error:
            raise CommandError(str(error)) from None
        labels = ", ".join(str(role.label) for role in roles)
        self.stdout.write(f"Benutzer „{user.username}“ bei {tenant.name} angelegt ({labels}).")
        if not given:
            self.stdout.write(f"Passwort (wird nur jetzt angezeigt): {password}")

    def _list(self, slug: str | None) -> None:
        memberships = Membership.objects.select_related("user", "tenant").order_by(
            "tenant__slug", "user__username")
        if slug:
            try:
                memberships = memberships.filter(tenant=get_tenant(slug))
            except NotFound as error:
                raise CommandError(str(error)) from None
        for m in memberships:
            roles = ", ".join(str(parse_role(r).label) for r in m.roles)
            level = AccessLevel(m.clearance).code
            self.stdout.write(f"{m.tenant.slug}\t{m.user.username}\t{roles}\t{level}")
