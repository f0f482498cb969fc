"""Benchmark of the language services (issue 15).

Checker: on the DEplain document and sentence pairs (``../shared/data/plain/``),
the share of pairs where the plain side gets the lower ``difficulty`` and the AUC
(hard vs. plain texts), beside plain Flesch-Amstad in the same run; the weights are
cross-validated (5 folds grouped by source document, so that no sentence of a test
document was seen in fitting) and the spread over folds is printed; speed in MB/s.

``--fit`` prints the weights fitted on all pairs, to paste into
``language/checker.py``. ``--chrf`` adds chrF of the configured translation
backend on XQuAD paragraphs (slow with a CPU model; see ``--paragraphs``).

    PYTHONPATH=src python bench/language.py [--fit] [--chrf --paragraphs 5]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def load_pairs(kind: str) -> list[tuple[str, str, str]]:
    """(group, hard, plain) for ``doc`` or ``sent``."""
    csv.field_size_limit(10**9)
    path = DATA / "plain" / f"deplain-{kind}_manual_open.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [(row["pair_id"], row["original"], row["simplification"]) for row in rows]


def auc(hard: list[float], plain: list[float]) -> float:
    """Probability that a random hard text scores higher than a random plain one."""
    values = np.array(hard + plain)
    labels = np.array([1] * len(hard) + [0] * len(plain))
    order = values.argsort(kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    i = 0
    while i < len(values):  # average ranks for ties
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positives = labels.sum()
    negatives = len(labels) - positives
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2)
                 / (positives * negatives))


def fit(x_hard: np.ndarray, x_plain: np.ndarray, l2: float = 0.01, steps: int = 3000
        ) -> np.ndarray:
    """Pairwise logistic regression: P(hard harder than plain) = σ(w·(h − p))."""
    d = np.vstack([x_hard - x_plain, x_plain - x_hard])
    y = np.concatenate([np.ones(len(x_hard)), np.zeros(len(x_hard))])
    w = np.zeros(d.shape[1])
    lr = 0.5
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(d @ w)))
        grad = d.T @ (p - y) / len(y) + l2 * w
        w -= lr * grad
    return w


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--chrf", action="store_true")
    parser.add_argument("--paragraphs", type=int, default=5)
    parser.add_argument("--langs", default="en,es,tr,ru,ro,ar")
    parser.add_argument("--local-model", action="store_true",
                        help="start the bundled SmolLM2-135M test model (llama.cpp) for --chrf")
    args = parser.parse_args()
    import django

    django.setup()
    from aktenkundig.language import checker

    sets = {kind: load_pairs(kind) for kind in ("doc", "sent")}
    # Speed: full check (with findings) over every text once.
    texts = [t for pairs in sets.values() for _g, h, p in pairs for t in (h, p)]
    size = sum(len(t.encode("utf-8")) for t in texts)
    checker.check(texts[0])  # load the lexicon outside the timing
    started, cpu_started = time.perf_counter(), time.process_time()
    for text in texts:
        checker.check(text)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    warm_started = time.process_time()
    for text in texts:  # again: word statistics now cached, as in a running server
        checker.check(text)
    warm = time.process_time() - warm_started
    features = {
        kind: (
            np.array([checker.feature_vector(checker.rates_of(h)) for _g, h, _p in pairs]),
            np.array([checker.feature_vector(checker.rates_of(p)) for _g, _h, p in pairs]),
            [g for g, _h, _p in pairs],
        )
        for kind, pairs in sets.items()
    }
    weights = np.array([checker.WEIGHTS[k] for k in checker.FEATURES])
    print(f"speed: {size / 1e6:.2f} MB in {elapsed:.2f} s = {size / 1e6 / elapsed:.2f} MB/s "
          f"wall, {size / 1e6 / cpu:.2f} MB/s of CPU time (check with findings, one process, "
          f"cold word caches); warm caches {size / 1e6 / warm:.2f} MB/s of CPU time")
    print()
    print("| pairs | n | measure | plain side easier | AUC |")
    print("|---|---:|---|---:|---:|")
    for kind, (xh, xp, _groups) in features.items():
        pairs = sets[kind]
        fa_h = [-checker.flesch_amstad(checker.rates_of(h)) for _g, h, _p in pairs]
        fa_p = [-checker.flesch_amstad(checker.rates_of(p)) for _g, _h, p in pairs]
        share = np.mean(np.array(fa_h) > np.array(fa_p))
        print(f"| {kind} | {len(pairs)} | Flesch-Amstad | {share:.3f} | {auc(fa_h, fa_p):.3f} |")
        dh, dp = list(xh @ weights), list(xp @ weights)
        share = np.mean(np.array(dh) > np.array(dp))
        print(f"| {kind} | {len(pairs)} | difficulty (shipped weights, fitted on all) "
              f"| {share:.3f} | {auc(dh, dp):.3f} |")
    # Cross-validation: 5 folds over source documents, fitted on docs + sentences of
    # the training documents, tested on the held-out ones.
    print()
    print("Cross-validated (5 folds by source document; weights fitted on the other 4):")
    print("| pairs | fold shares (plain easier) | mean | min | AUC mean |")
    print("|---|---|---:|---:|---:|")
    all_groups = sorted({g for _x, _y, gs in features.values() for g in gs})
    folds = {g: i % 5 for i, g in enumerate(all_groups)}
    results: dict[str, list[tuple[float, float]]] = {"doc": [], "sent": []}
    for fold in range(5):
        train_h, train_p = [], []
        for xh, xp, groups in features.values():
            mask = np.array([folds[g] != fold for g in groups])
            train_h.append(xh[mask])
            train_p.append(xp[mask])
        w = fit(np.vstack(train_h), np.vstack(train_p))
        for kind, (xh, xp, groups) in features.items():
            mask = np.array([folds[g] == fold for g in groups])
            if not mask.any():
                continue
            dh, dp = xh[mask] @ w, xp[mask] @ w
            results[kind].append((float(np.mean(dh > dp)), auc(list(dh), list(dp))))
    for kind, rows in results.items():
        shares = [s for s, _a in rows]
        print(f"| {kind} | {', '.join(f'{s:.3f}' for s in shares)} | {np.mean(shares):.3f} "
              f"| {min(shares):.3f} | {np.mean([a for _s, a in rows]):.3f} |")
    if args.fit:
        w = fit(np.vstack([f[0] for f in features.values()]),
                np.vstack([f[1] for f in features.values()]))
        everything = np.vstack([f[i] for f in features.values() for i in (0, 1)])
        print()
        print(f"BIAS = {-float(np.median(everything @ w)):.4f}")
        print("WEIGHTS = {" + ", ".join(f'"{k}": {v:.4f}'
                                       for k, v in zip(checker.FEATURES, w, strict=True)) + "}")
    if args.chrf:
        server = None
        if args.local_model:
            from aktenkundig.llm.local_server import LocalServer, bundled_model_path

            server = LocalServer(bundled_model_path(), alias="smollm2", context_size=4096,
                                 threads=2)
            os.environ.update(AKTENKUNDIG_LLM_BASE_URL=server.base_url,
                              AKTENKUNDIG_LLM_MODEL=server.model, AKTENKUNDIG_LLM_TIMEOUT="300",
                              AKTENKUNDIG_TRANSLATE_BACKEND="llm")
        try:
            chrf_table(args.paragraphs, args.langs.split(","))
        finally:
            if server is not None:
                server.stop()


def chrf_table(paragraphs: int, langs: list[str]) -> None:
    from aktenkundig.language import services
    from aktenkundig.language.metrics import chrf
    from aktenkundig.llm.gateway import LLMError

    def contexts(path: Path) -> list[str]:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [p["context"] for article in data["data"] for p in article["paragraphs"]]

    german = contexts(DATA / "qa" / "xquad.de.json")[:paragraphs]
    backend = services.translation_backend()
    print()
    print(f"chrF on {paragraphs} XQuAD paragraphs (de → xx), backend {backend.label} "
          "(no tenant: the privacy hook redacts names before the model sees them):")
    print("| language | chrF | s/paragraph |")
    print("|---|---:|---:|")
    for lang in langs:
        reference = contexts(DATA / "parallel" / f"xquad.{lang}.json")[:paragraphs]
        started = time.perf_counter()
        try:
            hypotheses = [backend.translate([p], "de", lang)[0] for p in german]
        except LLMError as error:  # a slow CPU model may time out: say so, go on
            print(f"| {lang} | – | failed: {error} |")
            continue
        per = (time.perf_counter() - started) / max(1, len(german))
        print(f"| {lang} | {chrf(hypotheses, reference):.1f} | {per:.1f} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
