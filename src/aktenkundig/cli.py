"""The ``aktenkundig`` command: Django's management commands with our settings.

Every subcommand (``ingest``, ``search``, ``ask``, ``demo``, ``serve``, ``pii``,
``audit``, ...) is a management command of the app it belongs to. Before any of
our own commands runs, the database schema is brought up to date, so that an
operator never has to remember ``migrate`` on the embedded default.
"""

from __future__ import annotations

import os
import sys

# Django's own commands that must not trigger an automatic migration.
_NO_AUTO_MIGRATE = {
    "migrate",
    "makemigrations",
    "sqlmigrate",
    "showmigrations",
    "squashmigrations",
    "help",
    "version",
    "--help",
    "-h",
    "--version",
    "check",
    "config",
    "test",
}


def ensure_database() -> None:
    """Apply pending migrations quietly (cheap when there are none)."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "aktenkundig"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    if len(argv) > 1 and argv[1] not in _NO_AUTO_MIGRATE:
        ensure_database()
    execute_from_command_line(argv)
