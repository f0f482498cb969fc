"""The cache every worker of a server shares (issue #10, 6).

Rate limits of the citizen chatbot count in the Django cache. With the per-process
memory cache and two gunicorn workers, 59 of 70 new conversations were answered
against a limit of 30 per minute: each worker counted alone. The shipped default
is therefore the database cache (one table, ``aktenkundig_cache``, created by a
migration), shared by all workers and machines using the same database; a Redis
or Valkey server can be named instead (``AKTENKUNDIG_CACHE_URL``).

Django's database cache implements ``incr`` as read-then-write, which loses
counts when two workers increment at once. :class:`DatabaseCache` makes it
atomic: on PostgreSQL the row is locked (``SELECT ... FOR UPDATE``) for the
read-modify-write; on SQLite every transaction takes the database write lock
at ``BEGIN IMMEDIATE`` (see settings), which serialises the same way. ``add``
is atomic already (insert, or fail on the primary key).
"""

from __future__ import annotations

import datetime as dt

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        cache_key = self.make_and_validate_key(key, version=version)
        table = connection.ops.quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT expires FROM {table} WHERE cache_key = %s{lock}",  # noqa: S608
                [cache_key],
            )
            row = cursor.fetchone()
            value = self.get(key, self._missing_key, version=version)
            if row is None or value is self._missing_key:
                raise ValueError(f"Key '{key}' not found")
            new_value = value + delta
            # Keep the entry's expiry: a fixed window must end when it began to.
            self._base_set("set", cache_key, new_value, _seconds_until(row[0]))
        return new_value


def _seconds_until(expires) -> float:
    if isinstance(expires, str):
        expires = dt.datetime.fromisoformat(expires)
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    return max(1.0, (expires - timezone.now()).total_seconds())
