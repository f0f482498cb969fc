"""``aktenkundig pii detect|pseudonymize``: German PII on stdin.

echo "Herr Müller, IBAN DE89 3704 0044 0532 0130 00" | aktenkundig pii detect --json
aktenkundig pii pseudonymize --scope akte:32-1234 < brief.txt
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aktenkundig.core.services import NotFound, get_tenant


class Command(BaseCommand):
    help = "Personenbezogene Daten in deutschem Text finden oder pseudonymisieren (Text auf stdin)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        detect = sub.add_parser("detect", help="Fundstellen ausgeben")
        detect.add_argument("--json", action="store_true", help="als JSON ausgeben")
        detect.add_argument("--tenant", default=None, help="Mandant (eigene Muster)")
        pseudo = sub.add_parser("pseudonymize", help="Text mit Platzhaltern ausgeben")
        pseudo.add_argument("--tenant", default=None)
        pseudo.add_argument(
            "--scope", default="cli", help="Vorgang/Akte: gleiche Platzhalter im selben Vorgang"
        )
        pseudo.add_argument(
            "--redact", action="store_true", help="nur schwärzen ([PERSON]), nichts speichern"
        )

    def handle(self, *args, action: str, **options) -> None:
        text = sys.stdin.read()
        try:
            tenant = get_tenant(options.get("tenant"))
        except NotFound as error:
            raise CommandError(str(error)) from error
        if action == "detect":
            from aktenkundig.privacy.detection import detect

            entities = detect(text, tenant=tenant)
            if options["json"]:
                payload = {"entities": [e.as_dict() for e in entities]}
                self.stdout.write(json.dumps(payload, ensure_ascii=False))
            else:
                for e in entities:
                    self.stdout.write(f"{e.start}\t{e.end}\t{e.type}\t{e.score:.2f}\t{e.text}")
            return
        from aktenkundig.privacy import pseudonymize as pseudo

        if options["redact"]:
            result = pseudo.redact(text, tenant)
        else:
            result = pseudo.pseudonymize(text, tenant, options["scope"])
        self.stdout.write(result.text, ending="")
