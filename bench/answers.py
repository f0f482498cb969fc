"""Benchmark of extractive answers on RAGSource dev questions (Bad Boll municipal law).

For each question of ``qa/ragsource-dev.jsonl`` the product's ``answer()`` runs
(extractive, no language model) over ``corpus/ragsource-badboll``; reported:

* answered: share of (answerable) questions not refused;
* citation@1 / citation@any: the first / any citation is the gold document;
* latency: median and p95 seconds per answer.

Refusal precision/recall are measured by ``bench/calibrate_refusal.py``.

Usage (reuses the index that calibrate_refusal.py built in --data-dir)::

    PYTHONPATH=src python bench/answers.py [--data-dir DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from calibrate_refusal import SHARED, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "aktenkundig-calibration"
    )
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args.data_dir)

    from aktenkundig.assistant.services import answer
    from aktenkundig.core.models import AccessLevel
    from aktenkundig.core.services import get_or_create_collection, get_tenant
    from aktenkundig.documents.services import ingest_paths
    from aktenkundig.search.services import embed_pending

    tenant = get_tenant()
    collection = get_or_create_collection(tenant, "RAGSource Bad Boll", AccessLevel.OFFEN)
    ingest_paths([SHARED / "corpus" / "ragsource-badboll"], collection)
    embed_pending(tenant=tenant)

    rows = [
        json.loads(line)
        for line in (SHARED / "qa" / "ragsource-dev.jsonl").read_text().splitlines()
        if line.strip()
    ]
    if args.limit:
        rows = rows[: args.limit]
    answered = first = anywhere = 0
    latencies = []
    for row in rows:
        started = time.monotonic()
        result = answer(row["question"], tenant=tenant, collections=[collection], use_llm=False)
        latencies.append(time.monotonic() - started)
        if result.refused:
            continue
        answered += 1
        paths = [Path(c.path).name for c in result.citations]
        first += bool(paths) and paths[0] == row["doc"]
        anywhere += row["doc"] in paths
    n = len(rows)
    report = {
        "questions": n,
        "answered": round(answered / n, 4),
        "citation_at_1": round(first / n, 4),
        "citation_any": round(anywhere / n, 4),
        "latency_median_s": round(statistics.median(latencies), 3),
        "latency_p95_s": round(sorted(latencies)[int(0.95 * (n - 1))], 3),
    }
    print(json.dumps(report, indent=2))
    print("(extractive; refusal metrics: bench/calibrate_refusal.py)", file=sys.stderr)


if __name__ == "__main__":
    main()
