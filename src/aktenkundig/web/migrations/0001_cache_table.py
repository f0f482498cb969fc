"""The table of the shared database cache (settings.CACHES, core/cache.py).

Created whatever cache is configured now, so that switching
``AKTENKUNDIG_CACHE_URL`` back to ``database`` later needs no extra step
(``createcachetable`` is idempotent)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command(
        "createcachetable", "aktenkundig_cache",
        database=schema_editor.connection.alias, verbosity=0,
    )


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
