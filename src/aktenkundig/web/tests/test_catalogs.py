"""German first, English complete: every interface string of every app has its
English translation, and every string written in English in the code (help texts)
has its German one. Runs Django's own ``makemessages`` over a copy of the source, so a
new template or app without translations fails here, not in front of a citizen."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import aktenkundig

SOURCE = Path(aktenkundig.__file__).parent
_ENTRY = re.compile(r'msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)')
_PART = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _entries(text: str) -> dict[str, str]:
    return {
        "".join(_PART.findall(m.group(1))): "".join(_PART.findall(m.group(2)))
        for m in _ENTRY.finditer(text)
    }


def _catalogs(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in SOURCE.glob(f"*/locale/{language}/LC_MESSAGES/django.po"):
        merged |= {k: v for k, v in _entries(path.read_text(encoding="utf-8")).items() if v}
    return merged


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext is not installed")
def test_every_interface_string_is_translated(tmp_path: Path) -> None:
    copy = tmp_path / "aktenkundig"
    shutil.copytree(
        SOURCE, copy, ignore=shutil.ignore_patterns("locale", "tests", "testing", "__pycache__")
    )
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete",
         "--no-location"],
        cwd=copy, check=True, capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "aktenkundig.testing.settings", "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(SOURCE.parent), "AKTENKUNDIG_DATA_DIR": str(tmp_path / "data")},
    )
    found = set(_entries((copy / "locale/en/LC_MESSAGES/django.po").read_text()))
    found.discard("")
    english, german = _catalogs("en"), _catalogs("de")
    assert len(found) > 500  # the extraction really ran over the whole project
    untranslated = sorted(m for m in found if m not in english)
    assert not untranslated, f"{len(untranslated)} strings without English: {untranslated[:10]}"
    # An English entry equal to its source marks a string written in English.
    without_german = sorted(m for m in found if english[m] == m and m not in german
                            and re.search(r"[a-z]{3}", m))
    assert not without_german, f"English-only strings in the German UI: {without_german}"
