from django.core.management.base import BaseCommand

from aktenkundig import config


class Command(BaseCommand):
    help = "Show the AKTENKUNDIG_* settings in force (secrets masked), or their documentation."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="print docs/configuration.md")

    def handle(self, *args, **options):
        if options["markdown"]:
            self.stdout.write(config.as_markdown(), ending="")
            return
        for setting in config.SETTINGS:
            value = setting.raw()
            if setting.secret and value:
                value = "********"
            self.stdout.write(f"{setting.name}={value}")
