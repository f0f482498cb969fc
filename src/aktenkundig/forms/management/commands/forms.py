"""``aktenkundig forms add BLANK.pdf --name NAME`` and ``aktenkundig forms extract FILE``.

The names and the JSON shape are fixed by issue 13: evaluation scripts call them.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.core.services import NotFound, get_tenant
from aktenkundig.forms import services
from aktenkundig.forms.schema import FormError, Schema

KIND_NAMES = {
    "text": "Text", "date": "Datum", "iban": "IBAN", "bic": "BIC", "steuer_id": "Steuer-ID",
    "plz": "PLZ", "amount": "Betrag", "number": "Zahl", "checkbox": "Kästchen",
    "radio": "Auswahl", "signature": "Unterschrift",
}


class Command(BaseCommand):
    help = "Formulare: Formulartyp registrieren (add) oder Formular auslesen (extract)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="register a blank form (PDF with AcroForm, or TOML)")
        add.add_argument("blank", help="blank PDF form or TOML declaration")
        add.add_argument("--name", required=True)
        add.add_argument("--rules", help="TOML file with field corrections and rules")
        add.add_argument("--fields", help="TOML declaration of the fields (PDF without "
                         "AcroForm fields)")
        add.add_argument("--tenant", default=None)
        add.add_argument("--json", action="store_true", help="print the schema as JSON")
        add.add_argument("--webhook", default="", help="URL committed records are POSTed to")
        add.add_argument("--webhook-secret-env", default="AKTENKUNDIG_FORMS_WEBHOOK_SECRET",
                         help="environment variable holding the HMAC secret")
        extract = sub.add_parser("extract", help="read a filled form (PDF, PNG, JPEG, TIFF)")
        extract.add_argument("file", nargs="?")
        extract.add_argument("--form", default=None, help="form type name (else: detect)")
        extract.add_argument("--json", action="store_true")
        extract.add_argument("--batch", help="file with one path per line")
        extract.add_argument("--tenant", default=None)

    def handle(self, *args, **options):
        try:
            tenant = get_tenant(options["tenant"])
        except NotFound as error:
            raise CommandError(str(error)) from None
        if options["action"] == "add":
            return self._add(tenant, options)
        return self._extract(tenant, options)

    def _add(self, tenant, options) -> None:
        path = Path(options["blank"])
        try:
            data = path.read_bytes()
            rules = Path(options["rules"]).read_text("utf-8") if options["rules"] else None
            declared = Path(options["fields"]).read_text("utf-8") if options["fields"] else None
            form_type, created = services.register(tenant, options["name"], data,
                                                   overrides=rules, declaration=declared)
        except OSError as error:
            raise CommandError(f"Datei nicht lesbar: {error}") from None
        except FormError as error:
            raise CommandError(str(error)) from None
        if options["webhook"]:
            import os

            secret = os.environ.get(options["webhook_secret_env"], "")
            if len(secret) < 16:
                raise CommandError(f"Bitte ein Geheimnis (mindestens 16 Zeichen) in "
                                   f"{options['webhook_secret_env']} setzen.")
            form_type.webhook_url, form_type.webhook_secret = options["webhook"], secret
            form_type.save(update_fields=["webhook_url", "webhook_secret"])
        schema = Schema.from_dict(form_type.schema)
        if options["json"]:
            self.stdout.write(json.dumps({"form": form_type.name, "version": form_type.version,
                                          **schema.to_dict()}, ensure_ascii=False))
            return
        state = "registriert" if created else "unverändert"
        self.stdout.write(f"{form_type.name} Version {form_type.version} ({state}, "
                          f"{len(schema.fields)} Felder, Quelle: {schema.source})")
        for spec in schema.fields:
            extra = "" if not spec.options or spec.kind == "checkbox" else \
                " [" + " | ".join(o.value for o in spec.options) + "]"
            self.stdout.write(
                f"  S.{spec.page} {KIND_NAMES.get(spec.kind, spec.kind):12} "
                f"{'Pflicht ' if spec.required else '        '}{spec.name} — {spec.label}{extra}"
            )

    def _extract(self, tenant, options) -> None:
        if options["batch"]:
            try:
                paths = [line.strip() for line in
                         Path(options["batch"]).read_text("utf-8").splitlines() if line.strip()]
            except OSError as error:
                raise CommandError(f"Datei nicht lesbar: {error}") from None
            for path in paths:
                try:
                    result = self._one(tenant, path, options["form"])
                    self.stdout.write(json.dumps(result, ensure_ascii=False))
                except (FormError, OSError) as error:
                    self.stdout.write(json.dumps({"file": path, "error": str(error)},
                                                 ensure_ascii=False))
            return
        if not options["file"]:
            raise CommandError("Bitte eine Datei oder --batch angeben.")
        try:
            result = self._one(tenant, options["file"], options["form"])
        except OSError as error:
            raise CommandError(f"Datei nicht lesbar: {error}") from None
        except FormError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(f"{result['form']} Version {result['version']}")
        for name, item in result["fields"].items():
            mark = "sicher" if item["confidence"] >= services.recognize.SICHER else "prüfen"
            problem = f"  ⚠ {item['problem']}" if item["problem"] else ""
            self.stdout.write(f"  {mark:7} {item['confidence']:.2f} {name}: "
                              f"{item['value']!r}{problem}")

    def _one(self, tenant, path: str, form: str | None) -> dict:
        data = Path(path).read_bytes()
        result, _form_type = services.extract(tenant, data, form=form)
        return result.to_dict()
