"""Sentence-window vectors next to each chunk vector (search/index.py ``window_texts``).

A nullable column: on SQLite an ``ALTER TABLE ADD COLUMN`` (the table is not rebuilt,
so the ``embedding`` column and the triggers of 0003 stay), on PostgreSQL a ``bytea``.
Existing rows get NULL and count as pending: ``embed_pending`` (run by the next upload,
the background worker, or ``aktenkundig reindex --embeddings``) computes their windows; until then those
chunks rank by their own vector, as before.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0003_sqlite_vector_versions'),
    ]

    operations = [
        migrations.AddField(
            model_name='chunkvector',
            name='windows',
            field=models.BinaryField(null=True),
        ),
    ]
