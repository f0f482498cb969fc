"""Rate limits hold across worker processes (issue #10, 6).

With the per-process memory cache, two gunicorn workers answered 59 of 70 new
conversations against a limit of 30 per minute. Here four real processes, each
set up from the shipped settings on one SQLite file, hit the same limit at
once: together they must be let through exactly ``count`` times.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3]
WORKER = """
import os, sys
import django
django.setup()
from aktenkundig.citizen.ratelimit import Limit, hit
limit = Limit("ip", 30, 86400)
print(sum(hit(limit, "203.0.113.7").allowed for _ in range(int(sys.argv[1]))))
"""


def _env(data_dir: Path, cache_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AKTENKUNDIG_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update({
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "aktenkundig.settings",
        "AKTENKUNDIG_DATA_DIR": str(data_dir),
        "AKTENKUNDIG_AUDIT_ANCHOR": str(data_dir / "anchor.log"),
    })
    if cache_url is not None:
        env["AKTENKUNDIG_CACHE_URL"] = cache_url
    return env


def _allowed_across_workers(tmp_path: Path, cache_url: str | None, workers=4, each=20) -> int:
    env = _env(tmp_path, cache_url)
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], env=env,
                   check=True, timeout=300)
    processes = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(each)], env=env,
                         stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    return sum(int(p.communicate(timeout=300)[0].strip()) for p in processes)


@pytest.mark.slow
def test_shipped_cache_counts_one_limit_across_worker_processes(tmp_path):
    assert _allowed_across_workers(tmp_path, None) == 30


@pytest.mark.slow
def test_per_process_cache_is_what_let_the_limit_leak(tmp_path):
    """The attack, reproduced with the old setting: every process counts alone."""
    assert _allowed_across_workers(tmp_path, "locmem") == 80


@pytest.mark.slow
def test_data_directory_database_keys_and_originals_are_private(tmp_path):
    """Issue #10, 8: the SQLite file and the originals were 0644."""
    import stat

    data_dir = tmp_path / "daten"
    env = _env(data_dir, None)
    code = (
        "import django; django.setup()\n"
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "default_storage.save('abc.txt', ContentFile(b'Original'))\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=300)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(data_dir) == 0o700
    for name in ("aktenkundig.sqlite3", "secret_key"):
        assert mode(data_dir / name) == 0o600, name
    assert mode(data_dir / "originals" / "abc.txt") == 0o600
    assert mode(data_dir / "originals") == 0o700
