"""``aktenkundig token create USERNAME``: a personal REST API token.

Prints only the token on standard output, so that a script can capture it
(``TOKEN=$(aktenkundig token create alice)``). The token carries exactly the
rights of its owner; only its SHA-256 is stored, so it is shown this once.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.accounts.services import InvalidAccount, create_api_token, get_member


class Command(BaseCommand):
    help = "API-Token für eine Person erzeugen (wird nur einmal angezeigt)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Ein neues API-Token erzeugen.")
        create.add_argument("username", help="Anmeldename der Person")
        create.add_argument("--name", default="Kommandozeile", help="Bezeichnung des Tokens")
        create.add_argument("--days", type=int, help="gültig für so viele Tage (Standard: "
                                                     "unbegrenzt, bis es widerrufen wird)")

    def handle(self, *args, action: str, **options) -> None:
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days muss mindestens 1 sein.")
        try:
            user = get_member(options["username"])
        except InvalidAccount as error:
            raise CommandError(str(error)) from None
        _token, raw = create_api_token(user, options["name"], days=days)
        self.stdout.write(raw)
