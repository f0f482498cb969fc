"""Benchmark: Einfache Sprache rewriting with its fact check (issue 15).

On the 50 administrative texts of ``bench/rewrite_texts.py`` (written for the
project; the facts of each are known by construction) the product's
``language.services.simplify`` runs generate → check → refine against a local model
served by llama.cpp. Printed per model: how many results the product would publish
(its own fact check passed; the Einfache-Sprache rules are hints only), the share of *gold*
facts kept in all results and in the publishable ones (checked here independently of
the product's check: the amount, day and month, § number, name, number, and a
negation where the original has one), and the readability gain (difficulty 0–100 of
the checker, before → after).

    PYTHONPATH=src python bench/rewrite.py [--local] [--limit 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from calibrate_refusal import setup_django  # noqa: E402
from rewrite_texts import MONTHS, texts  # noqa: E402

NEGATION = re.compile(r"\b(nicht|kein\w*|nie|niemals|ohne|weder|nein)\b", re.IGNORECASE)


def kept(fact: dict, output: str) -> bool:
    """Is this gold fact in the rewritten text (any usual German notation)?"""
    value, kind = fact["value"], fact["kind"]
    if kind == "date":
        day, month, _year = value.replace(".", "").split()
        number = MONTHS.index(month) + 1
        return bool(re.search(rf"\b0?{day}\.\s*({month}|0?{number}\.)", output))
    if kind == "amount":
        euros, _, cents = value.partition(",")
        pattern = rf"\b{euros}[,.]{cents}\b" if cents else rf"\b{euros}\b"
        return bool(re.search(pattern, output))
    if kind == "para":
        return bool(re.search(rf"(§|Paragra(f|ph)|Absatz)\s*{value}\b", output))
    return bool(re.search(rf"(?<!\w){re.escape(value)}(?!\w)", output))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--local", action="store_true", help="the assembled Qwen model")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--stride", type=int, default=1,
                        help="every n-th text (5: one of each kind)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    setup_django(Path(tempfile.mkdtemp(prefix="ak-rewrite-")))

    from aktenkundig.core.models import AccessLevel
    from aktenkundig.core.services import get_tenant
    from aktenkundig.language import services
    from aktenkundig.llm.local_models import assemble
    from aktenkundig.llm.local_server import LocalServer, bundled_model_path

    model = assemble() if args.local else bundled_model_path()
    started = time.monotonic()
    server = LocalServer(model, alias="local", context_size=4096, threads=args.threads)
    os.environ.update(AKTENKUNDIG_LLM_BASE_URL=server.base_url, AKTENKUNDIG_LLM_MODEL="local",
                      AKTENKUNDIG_LLM_MAX_LEVEL="vertraulich", AKTENKUNDIG_LLM_TIMEOUT="600")
    print(f"model {Path(model).name}, {args.threads} threads, loaded in "
          f"{time.monotonic() - started:.1f} s, up to {args.rounds} rounds\n")
    rows = texts()[:: args.stride][: args.limit]
    tenant = get_tenant()  # as on the web page: names pseudonymised and restored
    published = facts_all = facts_kept = pub_facts = pub_kept = pub_lost = 0
    negations_lost_published = 0
    gains, seconds, rounds = [], [], []
    try:
        for row in rows:
            begin = time.monotonic()
            result = services.simplify(row["text"], tenant=tenant, level="einfach",
                                       data_level=AccessLevel.OFFEN, rounds=args.rounds)
            seconds.append(time.monotonic() - begin)
            rounds.append(result.rounds)
            hits = [kept(f, result.text) for f in row["facts"]]
            negation_ok = not row["negated"] or bool(NEGATION.search(result.text))
            facts_all += len(hits) + row["negated"]
            facts_kept += sum(hits) + (row["negated"] and negation_ok)
            gains.append(result.before["difficulty"] - result.after["difficulty"])
            if result.publishable:
                published += 1
                pub_facts += len(hits) + row["negated"]
                pub_kept += sum(hits) + (row["negated"] and negation_ok)
                if not all(hits) or not negation_ok:
                    pub_lost += 1
                    negations_lost_published += not negation_ok
                    lost = [f["value"] for f, h in zip(row["facts"], hits, strict=True) if not h]
                    print(f"  published but lost {lost or 'the negation'}: {row['id']} "
                          f"{result.text[:200]!r}")
    finally:
        server.stop()
    n = len(rows)
    print("| texts | publishable | gold facts kept (all results) | gold facts kept "
          "(publishable) | publishable results with a lost fact | difficulty gain, median "
          "(before → after) | rounds, median | s per text, median |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {n} | {published} ({published / n:.0%}) | {facts_kept}/{facts_all} "
          f"({facts_kept / facts_all:.1%}) | {pub_kept}/{pub_facts} "
          f"({(pub_kept / pub_facts) if pub_facts else 0:.1%}) | {pub_lost} "
          f"({negations_lost_published} negations) | {statistics.median(gains):+.1f} | "
          f"{statistics.median(rounds)} | {statistics.median(seconds):.1f} |")


if __name__ == "__main__":
    main()
