"""End-to-end generated answers with a local GGUF model on this machine's CPU.

Starts ``LocalServer`` (xllamacpp) with the given model, points aktenkundig at it and
asks the sample Gemeinde Musterhausen questions through the product's streaming
``stream_answer`` (retrieval, prompt, privacy gateway, claim checker). Reported per
question: time to the first streamed (verified) sentence, total time, sentences kept /
dropped, and whether the answer stayed generated or fell back to quotes.

Usage::

    PYTHONPATH=src python bench/generation.py [--model PATH | --local] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from calibrate_refusal import setup_django  # noqa: E402

QUESTIONS = [
    "Wie hoch ist die Hundesteuer für den zweiten Hund?",
    "Bis wann muss ich meinen Hund anmelden?",
    "Wann hat das Bürgerbüro geöffnet?",
    "Wie lange beträgt die Ruhezeit für Urnengräber?",
    "Welche Gebühr kostet die Abfuhr der Biotonne?",
    "Muss ich im Winter den Gehweg räumen?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="GGUF file (default: SmolLM2 test model)")
    parser.add_argument("--local", action="store_true", help="the assembled Qwen model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=160)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="ak-generation-"))
    setup_django(data_dir)

    from aktenkundig.assistant.services import stream_answer
    from aktenkundig.core.models import AccessLevel
    from aktenkundig.core.services import get_or_create_collection, get_tenant
    from aktenkundig.documents.services import ingest_paths
    from aktenkundig.llm.local_models import assemble
    from aktenkundig.llm.local_server import LocalServer, bundled_model_path
    from aktenkundig.search.services import embed_pending

    model = args.model or (assemble() if args.local else bundled_model_path())
    tenant = get_tenant()
    collection = get_or_create_collection(tenant, "Musterhausen", AccessLevel.OFFEN)
    samples = HERE.parent / "src" / "aktenkundig" / "documents" / "sample_data" / "musterhausen"
    ingest_paths([samples], collection)
    embed_pending(tenant=tenant)

    started = time.monotonic()
    server = LocalServer(model, alias="local", context_size=4096, threads=args.threads)
    load = time.monotonic() - started
    os.environ.update(
        AKTENKUNDIG_LLM_BASE_URL=server.base_url,
        AKTENKUNDIG_LLM_MODEL="local",
        AKTENKUNDIG_LLM_MAX_LEVEL="vertraulich",
        AKTENKUNDIG_LLM_MAX_TOKENS=str(args.max_tokens),
        AKTENKUNDIG_LLM_TIMEOUT="300",
    )
    print(f"model {Path(model).name}, {args.threads} threads, loaded in {load:.1f} s\n")
    print("| question | first sentence (s) | total (s) | generated | kept | notice |")
    print("|---|---|---|---|---|---|")
    firsts, totals = [], []
    try:
        for question in QUESTIONS:
            begin = time.monotonic()
            first = None
            result = None
            for kind, payload in stream_answer(question, tenant=tenant, use_llm=True):
                if kind == "delta" and first is None:
                    first = time.monotonic() - begin
                if kind == "done":
                    result = payload
            total = time.monotonic() - begin
            totals.append(total)
            if first is not None:
                firsts.append(first)
            kept = len([s for s in result.text.split("]") if s.strip()]) if result else 0
            print(
                f"| {question} | {first or 0:.1f} | {total:.1f} | {result.generated} | "
                f"{kept} | {result.notice[:300]} |"
            )
            print(f"|  ↳ | {result.text[:160]} |||||")
    finally:
        server.stop()
    print(f"\nmedian first sentence {statistics.median(firsts):.1f} s, "
          f"median total {statistics.median(totals):.1f} s")


if __name__ == "__main__":
    main()
