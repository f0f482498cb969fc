from django.core.management.base import BaseCommand

from aktenkundig.history.services import purge_expired


class Command(BaseCommand):
    help = "Delete conversations older than each tenant's retention period (default 90 days)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the deletion as a background task instead of running it now",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            from aktenkundig.history.tasks import purge_history_task

            result = purge_history_task.enqueue()
            self.stdout.write(f"Aufgabe eingereiht: {result.id}")
            return
        deleted = purge_expired()
        self.stdout.write(f"{deleted} Unterhaltung(en) gelöscht.")
