import django.db.models.deletion
from django.db import migrations, models

VECTOR_DIM = 384

SQLITE_FORWARD = [
    # Terms are analysed in Python (search/analyzer.py); FTS5 only splits on spaces.
    "CREATE VIRTUAL TABLE search_fts USING fts5(terms, tokenize='unicode61 remove_diacritics 0')",
    # Whoever deletes chunks (ORM, raw SQL, cascade from a document), the index follows.
    "CREATE TRIGGER search_fts_chunk_deleted AFTER DELETE ON documents_chunk "
    "BEGIN DELETE FROM search_fts WHERE rowid = old.id; END",
    "ALTER TABLE search_chunkvector ADD COLUMN embedding BLOB",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_fts_chunk_deleted",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    "ALTER TABLE search_lexicalentry ADD COLUMN terms tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX search_lexicalentry_terms ON search_lexicalentry USING gin (terms)",
    f"ALTER TABLE search_chunkvector ADD COLUMN embedding vector({VECTOR_DIM})",
    "CREATE INDEX search_chunkvector_hnsw ON search_chunkvector "
    "USING hnsw (embedding vector_cosine_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_chunkvector_hnsw",
    "DROP INDEX IF EXISTS search_lexicalentry_terms",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0001_initial"),
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LexicalEntry",
            fields=[
                (
                    "chunk",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="lexical_entry",
                        serialize=False,
                        to="documents.chunk",
                    ),
                ),
                ("length", models.IntegerField(help_text="number of index terms (BM25 document length)")),
                (
                    "collection",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.collection"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.tenant"
                    ),
                ),
            ],
            options={"indexes": [models.Index(fields=["collection", "tenant"], name="search_lexi_collect_d725d4_idx")]},
        ),
        migrations.CreateModel(
            name="ChunkVector",
            fields=[
                (
                    "chunk",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="vector",
                        serialize=False,
                        to="documents.chunk",
                    ),
                ),
                ("model", models.CharField(help_text="encoder that produced the vector", max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "collection",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.collection"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.tenant"
                    ),
                ),
            ],
            options={"indexes": [models.Index(fields=["collection", "tenant"], name="search_chun_collect_f0c205_idx")]},
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
