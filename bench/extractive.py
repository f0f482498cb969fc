"""Benchmark of extractive answers (no language model) on free-form documents.

Corpus: the five Landtag NRW / Kreistag documents in ``corpus/landtag-nrw`` plus the
sample Gemeinde Musterhausen; questions: ``bench/data/landtag_questions.jsonl``
(written for the project; ``expect`` lists facts of which one must be in the answer,
``null`` marks a question the documents do not answer). Reported: answered with the
fact, fact and right document cited first, refused correctly, answered wrongly, and
latency. Each miss is printed with ``--errors``.

Usage::

    PYTHONPATH=src python bench/extractive.py [--errors] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from calibrate_refusal import SHARED, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "aktenkundig-extractive"
    )
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args.data_dir)

    from aktenkundig.assistant.services import answer
    from aktenkundig.core.models import AccessLevel
    from aktenkundig.core.services import get_or_create_collection, get_tenant
    from aktenkundig.documents.services import ingest_paths
    from aktenkundig.search.services import embed_pending

    tenant = get_tenant()
    collection = get_or_create_collection(tenant, "Landtag", AccessLevel.OFFEN)
    samples = HERE.parent / "src" / "aktenkundig" / "documents" / "sample_data" / "musterhausen"
    ingest_paths([SHARED / "corpus" / "landtag-nrw", samples], collection)
    embed_pending(tenant=tenant)

    rows = [
        json.loads(line)
        for line in (HERE / "data" / "landtag_questions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    fact = fact_and_doc = refused_ok = wrong = 0
    answerable = [r for r in rows if r["expect"]]
    latencies = []
    misses = []
    for row in rows:
        started = time.monotonic()
        result = answer(row["question"], tenant=tenant, collections=[collection], use_llm=False)
        latencies.append(time.monotonic() - started)
        if not row["expect"]:
            if result.refused:
                refused_ok += 1
            else:
                wrong += 1
                misses.append((row, result))
            continue
        found = not result.refused and any(e in result.text for e in row["expect"])
        first = result.citations[0].path if result.citations else ""
        fact += found
        fact_and_doc += found and row["doc"] in Path(first).name.lower()
        if not found:
            misses.append((row, result))
    n_no = len(rows) - len(answerable)
    print(f"questions: {len(answerable)} answerable, {n_no} not answerable by the documents")
    print(f"{'answered with the fact':<36} {fact:>3} / {len(answerable)}")
    print(f"{'  ... and right document first':<36} {fact_and_doc:>3} / {len(answerable)}")
    print(f"{'unanswerable refused':<36} {refused_ok:>3} / {n_no}")
    print(f"{'latency median / p95 (s)':<36} {statistics.median(latencies):.3f} / "
          f"{sorted(latencies)[int(0.95 * (len(latencies) - 1))]:.3f}")
    if args.errors:
        for row, result in misses:
            print(f"\n? {row['question']}  (expect {row['expect']})")
            print(f"  {'REFUSED' if result.refused else result.text[:400]}")


if __name__ == "__main__":
    main()
