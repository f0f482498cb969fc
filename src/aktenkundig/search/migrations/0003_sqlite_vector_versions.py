"""SQLite: a version token per collection, changed by triggers on every vector write.

The in-memory vector cache of the SQLite dense path (search/index.py) compares it with
one primary-key lookup per query instead of aggregating over ``search_chunkvector``.
Triggers catch every writer (other processes and connections, raw SQL, cascades). The
token is random rather than a counter, so that a transaction rolled back after a cache
load can never make an old token come back with different vectors behind it.
PostgreSQL searches with pgvector directly and needs none of this.
"""

from django.db import migrations

_BUMP = (
    "INSERT INTO search_vectorversion (collection_id, token) VALUES ({row}.collection_id, "
    "random()) ON CONFLICT (collection_id) DO UPDATE SET token = random()"
)
SQLITE_FORWARD = [
    "CREATE TABLE search_vectorversion "
    "(collection_id integer NOT NULL PRIMARY KEY, token integer NOT NULL)",
    "INSERT INTO search_vectorversion (collection_id, token) "
    "SELECT DISTINCT collection_id, random() FROM search_chunkvector",
    "CREATE TRIGGER search_vector_inserted AFTER INSERT ON search_chunkvector "
    f"BEGIN {_BUMP.format(row='new')}; END",
    "CREATE TRIGGER search_vector_updated AFTER UPDATE ON search_chunkvector "
    f"BEGIN {_BUMP.format(row='old')}; {_BUMP.format(row='new')}; END",
    "CREATE TRIGGER search_vector_deleted AFTER DELETE ON search_chunkvector "
    f"BEGIN {_BUMP.format(row='old')}; END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_vector_deleted",
    "DROP TRIGGER IF EXISTS search_vector_updated",
    "DROP TRIGGER IF EXISTS search_vector_inserted",
    "DROP TABLE IF EXISTS search_vectorversion",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_vector_scope_index")]

    operations = [migrations.RunPython(_run(SQLITE_FORWARD), _run(SQLITE_BACKWARD))]
