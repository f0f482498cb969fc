"""The table of the shared database cache (settings.CACHES, core/cache.py).

``createcachetable`` is idempotent and does nothing when the configured cache is
not a database cache (Redis, or the per-process memory cache in tests)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
