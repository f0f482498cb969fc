"""``aktenkundig citizen_purge``: delete expired citizen conversations and the
contact data of old, finished hand-overs (run daily, e.g. from a systemd timer;
the web server also does it at most hourly on its own)."""

from django.core.management.base import BaseCommand

from aktenkundig.citizen.services import purge_expired


class Command(BaseCommand):
    help = "Abgelaufene Bürger-Chat-Gespräche und alte Kontaktdaten löschen."

    def handle(self, *args, **options):
        result = purge_expired()
        self.stdout.write(
            f"{result['sessions']} Gespräche gelöscht, "
            f"{result['contacts']} Kontaktangaben entfernt."
        )
