"""Calibrate when the assistant refuses ("Dazu finde ich in den Dokumenten nichts").

Data (read-only, ../shared/data, see its README):

* answerable: ``qa/ragsource-dev.jsonl`` (citizen questions about Bad Boll's
  municipal law, each answered by a file of ``corpus/ragsource-badboll/``);
* unanswerable: questions of ``qa/xquad.de.json`` (XQuAD German: Wikipedia topics
  such as American football or the Rhine), asked against the same corpus.

For every question the product's own retrieval runs (``assistant.services.retrieve``)
and ``assistant.coverage.features`` gives (lexical, semantic). A logistic
regression (IRLS) maps them to a score; the refusal threshold maximises the F1 of
"refuse" on the pooled data. Precision and recall are reported out-of-fold
(5-fold cross-validation, threshold chosen inside each fold), then the model is fitted
on everything and written with its provenance to
``src/aktenkundig/assistant/data/refusal_calibration.json``.

The support bar for generated sentences (share of a sentence's terms that its
cited passage must contain) is calibrated on XQuAD too: claim = question + gold
answer; supported by its own paragraph, unsupported by the other paragraphs of
the same article (same topic, different facts).

Usage (takes a few minutes on a laptop CPU; the corpus index is kept in --data-dir)::

    PYTHONPATH=src python bench/calibrate_refusal.py [--data-dir /tmp/calib] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data from the checkout; from a git worktree one level further up.
SHARED = next(
    (
        path
        for path in (
            Path(os.environ.get("AKTENKUNDIG_SHARED_DATA", "")),
            ROOT.parent / "shared" / "data",
            ROOT.parent.parent / "shared" / "data",
        )
        if str(path) not in ("", ".") and (path / "qa").is_dir()
    ),
    ROOT.parent / "shared" / "data",
)
OUTPUT = ROOT / "src" / "aktenkundig" / "assistant" / "data" / "refusal_calibration.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def setup_django(data_dir: Path) -> None:
    os.environ["AKTENKUNDIG_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("AKTENKUNDIG_TASKS", "immediate")
    os.environ["AKTENKUNDIG_LLM_BASE_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from aktenkundig.cli import ensure_database

    ensure_database()


def load_questions(limit_negative: int, seed: int) -> tuple[list[str], list[str]]:
    answerable = [
        json.loads(line)["question"]
        for line in (SHARED / "qa" / "ragsource-dev.jsonl").read_text().splitlines()
        if line.strip()
    ]
    xquad = json.loads((SHARED / "qa" / "xquad.de.json").read_text())
    unanswerable = [
        qa["question"]
        for article in xquad["data"]
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
    ]
    random.Random(seed).shuffle(unanswerable)
    return answerable, unanswerable[:limit_negative]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Weights (bias first) by iteratively reweighted least squares."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + l2 * w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(w[0] + x @ w[1:])))


def refusal_metrics(scores: np.ndarray, answerable: np.ndarray, threshold: float) -> dict:
    refused = scores < threshold
    unanswerable = ~answerable
    tp = int(np.sum(refused & unanswerable))
    fp = int(np.sum(refused & answerable))
    fn = int(np.sum(~refused & unanswerable))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "refusal_precision": round(precision, 4),
        "refusal_recall": round(recall, 4),
        "refusal_f1": round(f1, 4),
        "answerable_answered": round(float(np.mean(~refused[answerable])), 4),
    }


def best_threshold(scores: np.ndarray, answerable: np.ndarray) -> float:
    candidates = np.unique(np.concatenate([scores, [0.5]]))
    best, best_f1 = 0.5, -1.0
    for t in candidates:
        f1 = refusal_metrics(scores, answerable, t)["refusal_f1"]
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def cross_validate(x: np.ndarray, answerable: np.ndarray, folds: int, seed: int) -> dict:
    order = np.random.default_rng(seed).permutation(len(x))
    scores = np.zeros(len(x))
    thresholds = np.zeros(len(x))
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        w = fit_logistic(x[train], (answerable[train]).astype(float))
        threshold = best_threshold(predict(w, x[train]), answerable[train])
        scores[test] = predict(w, x[test])
        thresholds[test] = threshold
    refused = scores < thresholds
    # Metrics with per-fold thresholds: compare to a 0/1 score against 0.5.
    return refusal_metrics(np.where(refused, 0.0, 1.0), answerable, 0.5)


def support_calibration(seed: int) -> dict:
    from aktenkundig.assistant.text import support

    xquad = json.loads((SHARED / "qa" / "xquad.de.json").read_text())
    positives, negatives = [], []
    for article in xquad["data"]:
        paragraphs = [p["context"] for p in article["paragraphs"]]
        for i, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                claim = f"{qa['question']} {qa['answers'][0]['text']}"
                positives.append(support(claim, [paragraphs[i]]))
                for j, other in enumerate(paragraphs):
                    if j != i:
                        negatives.append(support(claim, [other]))
    rng = random.Random(seed)
    negatives = rng.sample(negatives, min(len(negatives), 4 * len(positives)))
    best_bar, best_f1, best_stats = 0.5, -1.0, {}
    for bar in np.arange(0.2, 0.95, 0.05):
        tp = sum(s.ok(bar) for s in positives)
        fp = sum(s.ok(bar) for s in negatives)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / len(positives)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best_f1:
            best_bar, best_f1 = float(round(bar, 2)), f1
            best_stats = {
                "accept_precision": round(precision, 4),
                "accept_recall": round(recall, 4),
                "f1": round(f1, 4),
            }
    return {
        "support_bar": best_bar,
        "positives": len(positives),
        "negatives": len(negatives),
        **best_stats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "aktenkundig-calibration"
    )
    parser.add_argument("--negatives", type=int, default=400)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--write", action="store_true", help=f"write {OUTPUT.name}")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args.data_dir)

    from aktenkundig.assistant import coverage
    from aktenkundig.assistant.services import retrieve
    from aktenkundig.core.models import AccessLevel
    from aktenkundig.core.services import get_or_create_collection, get_tenant
    from aktenkundig.documents.services import ingest_paths
    from aktenkundig.search.services import embed_pending, wait_for_background_embeddings

    tenant = get_tenant()
    collection = get_or_create_collection(tenant, "RAGSource Bad Boll", AccessLevel.OFFEN)
    started = time.monotonic()
    report = ingest_paths([SHARED / "corpus" / "ragsource-badboll"], collection)
    wait_for_background_embeddings()
    embed_pending(tenant=tenant)
    print(f"corpus: {report.summary()} ({time.monotonic() - started:.0f} s)", file=sys.stderr)

    answerable_q, unanswerable_q = load_questions(args.negatives, args.seed)
    rows, labels = [], []
    started = time.monotonic()
    for label, questions in ((True, answerable_q), (False, unanswerable_q)):
        for question in questions:
            hits = retrieve(question, tenant=tenant, collections=[collection])
            lexical, semantic, _best = coverage.features(
                question, hits, tenant=tenant, collections=[collection]
            )
            rows.append((lexical, semantic))
            labels.append(label)
    elapsed = time.monotonic() - started
    x = np.array(rows)
    answerable = np.array(labels)
    print(f"features for {len(x)} questions ({elapsed:.0f} s)", file=sys.stderr)

    cv = cross_validate(x, answerable, folds=5, seed=args.seed)
    w = fit_logistic(x, answerable.astype(float))
    scores = predict(w, x)
    threshold = best_threshold(scores, answerable)
    in_sample = refusal_metrics(scores, answerable, threshold)
    support_cal = support_calibration(args.seed)

    result = {
        "model": {
            "bias": round(float(w[0]), 6),
            "w_lexical": round(float(w[1]), 6),
            "w_semantic": round(float(w[2]), 6),
        },
        "threshold": round(threshold, 6),
        "support_bar": support_cal["support_bar"],
        "provenance": {
            "script": "bench/calibrate_refusal.py",
            "date": dt.date.today().isoformat(),
            "metric": "threshold maximises F1 of 'refuse' (unanswerable = positive class); "
            "logistic regression on (lexical coverage, e5 cosine) of the top 3 passages",
            "answerable": {
                "file": "qa/ragsource-dev.jsonl",
                "sha256": sha256(SHARED / "qa" / "ragsource-dev.jsonl"),
                "n": len(answerable_q),
            },
            "unanswerable": {
                "file": "qa/xquad.de.json",
                "sha256": sha256(SHARED / "qa" / "xquad.de.json"),
                "n": len(unanswerable_q),
                "sample_seed": args.seed,
            },
            "corpus": "corpus/ragsource-badboll (109 Markdown files)",
            "cross_validated_5fold": cv,
            "in_sample": in_sample,
            "support": support_cal,
            "means": {
                "answerable": [round(float(v), 4) for v in x[answerable].mean(axis=0)],
                "unanswerable": [round(float(v), 4) for v in x[~answerable].mean(axis=0)],
            },
        },
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.write:
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(f"written: {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
