"""Bulk embedding as the product runs it: ``search.services.embed_pending`` on a fresh
import, timed per pass (chunks' own vectors, then their sentence windows).

    python bench/embed_bulk.py [--laws 3] [--processes 0,1]

The first laws of ``../shared/data/corpus/bundesgesetze/`` are ingested into a fresh
embedded SQLite site (lexical index only), then ``embed_pending`` computes every
vector, once per ``--processes`` value (0: the product's default, one process per
core for a bulk job of ≥ 512 chunks; 1: in-process, the encoder's own threads),
with the vectors deleted in between. This is the path behind the issue-11 figure
"≥ 15 chunks/s of 150 words on 2 cores"; ``bench/retrieval.py --only speed``
measures the encoder alone on a 64-chunk sample. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import pagebench

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=int, default=3)
    parser.add_argument("--processes", default="0,1")
    args = parser.parse_args()
    pagebench.fresh_site("embed")
    from aktenkundig.core.models import AccessLevel
    from aktenkundig.core.services import get_or_create_collection, get_tenant
    from aktenkundig.documents.models import Chunk
    from aktenkundig.documents.services import ingest_paths
    from aktenkundig.search import embedding, index, services
    from aktenkundig.search.models import ChunkVector

    folders = sorted(p for p in (DATA / "corpus" / "bundesgesetze").glob("*/*") if p.is_dir())
    staging = Path(tempfile.mkdtemp(prefix="laws-"))
    for folder in folders[: args.laws]:
        shutil.copy(folder / "index.md", staging / f"{folder.name}.md")
    tenant = get_tenant()
    ingest_paths([staging], get_or_create_collection(tenant, "Gesetze", AccessLevel.OFFEN))
    shutil.rmtree(staging, ignore_errors=True)
    chunks = Chunk.objects.filter(tenant=tenant)
    words = sum(len(text.split()) for text in chunks.values_list("text", flat=True))
    n = chunks.count()
    print(f"{args.laws} laws, {n} chunks ({words / n:.0f} words each), "
          f"{sum(len(index.window_texts(c)) for c in chunks.select_related('document'))} "
          f"sentence windows; {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}")
    print("| processes | pass 1: own vectors, chunks/s | whole import with windows, chunks/s |")
    print("|---|---|---|")
    write_windows = index.write_windows
    for value in args.processes.split(","):
        ChunkVector.objects.all().delete()
        os.environ["AKTENKUNDIG_EMBED_PROCESSES"] = value
        first_window: list[float] = []

        def timed_write_windows(*a, first_window=first_window, **k):
            if not first_window:
                first_window.append(time.perf_counter())
            return write_windows(*a, **k)

        index.write_windows = timed_write_windows
        started = time.perf_counter()
        services.embed_pending(tenant=tenant)
        total = time.perf_counter() - started
        index.write_windows = write_windows
        pass_one = (first_window[0] if first_window else time.perf_counter()) - started
        label = f"{value} (= {embedding.bulk_processes(n)})" if value == "0" else value
        print(f"| {label} | {n / pass_one:.1f} | {n / total:.1f} |", flush=True)


if __name__ == "__main__":
    main()
