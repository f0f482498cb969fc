"""Posteingang routing quality and speed on the 10kGNAD stand-in (issue #12).

    python bench/inbox.py [--folds 5] [--data ../shared/data/classify/10kgnad-dev.csv]

Stratified k-fold cross-validation: every number is measured on texts the model did
not see (the router fits its calibration and threshold inside each training split).
Prints per method the mean ± standard deviation across folds of macro-F1, accuracy,
expected calibration error (ECE, 15 bins, top probability), the share of items routed
automatically and the precision of those, and classification speed (items/s, text
only, one process). Baselines in the same run, on the same folds:

* paperless-ngx's classifier: word-count 1–2-grams (min_df 1 %) + MLPClassifier;
* TF-IDF word 1–2-grams + LinearSVC (no probabilities: no ECE, no auto share).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from aktenkundig.inbox import routing

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/classify/10kgnad-dev.csv"


def load(path: Path) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter=";", quotechar="'") if len(r) >= 2]
    return [r[1] for r in rows], [r[0] for r in rows]


def _metrics(y, pred, conf=None, auto=None):
    from sklearn.metrics import accuracy_score, f1_score

    out = {"macro_f1": f1_score(y, pred, average="macro"), "accuracy": accuracy_score(y, pred)}
    correct = np.asarray(y) == np.asarray(pred)
    if conf is not None:
        out["ece"] = routing.expected_calibration_error(conf, correct)
    if auto is not None:
        out["auto_share"] = float(np.mean(auto))
        out["auto_precision"] = float(correct[auto].mean()) if auto.any() else float("nan")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    texts, labels = load(args.data)
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import LinearSVC

    y = np.array(labels)
    results: dict[str, list[dict]] = {"aktenkundig": [], "paperless MLP": [], "TF-IDF+SVM": []}
    speed = []
    pooled_conf, pooled_correct, pooled_auto = [], [], []
    splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
    for fold, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y), start=1):
        tr = [texts[i] for i in train]
        te = [texts[i] for i in test]
        router = routing.Router.fit(tr, list(y[train]), seed=args.seed)
        started = time.perf_counter()
        probs = router.probabilities(te)
        speed.append(len(te) / (time.perf_counter() - started))
        pred = np.array([router.labels[k] for k in probs.argmax(axis=1)])
        conf = probs.max(axis=1)
        auto = conf >= router.threshold if router.threshold is not None else np.zeros(
            len(te), dtype=bool)
        results["aktenkundig"].append(_metrics(y[test], pred, conf, auto))
        pooled_conf.extend(conf)
        pooled_correct.extend(pred == y[test])
        pooled_auto.extend(auto)

        vec = CountVectorizer(analyzer="word", ngram_range=(1, 2), min_df=0.01)
        mlp = MLPClassifier(tol=0.01, random_state=args.seed)
        mlp.fit(vec.fit_transform(tr), y[train])
        mprobs = mlp.predict_proba(vec.transform(te))
        results["paperless MLP"].append(_metrics(
            y[test], mlp.classes_[mprobs.argmax(axis=1)], mprobs.max(axis=1)))

        tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        svm = LinearSVC().fit(tfidf.fit_transform(tr), y[train])
        results["TF-IDF+SVM"].append(_metrics(y[test], svm.predict(tfidf.transform(te))))
        print(f"fold {fold}/{args.folds} done", file=sys.stderr)

    def cell(rows, key):
        values = [r[key] for r in rows if key in r and not np.isnan(r[key])]
        if not values:
            return "–"
        return f"{statistics.mean(values):.3f} ± {statistics.pstdev(values):.3f}"

    print(f"10kGNAD stand-in: {len(texts)} texts, {len(set(labels))} classes, "
          f"{args.folds}-fold CV (mean ± sd across folds)")
    keys = ("macro_f1", "accuracy", "ece", "auto_share", "auto_precision")
    print("| method | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, rows in results.items():
        print(f"| {name} | " + " | ".join(cell(rows, k) for k in keys) + " |")
    conf, correct, auto = map(np.asarray, (pooled_conf, pooled_correct, pooled_auto))
    print(f"aktenkundig pooled over all {len(conf)} held-out items: ECE "
          f"{routing.expected_calibration_error(conf, correct):.3f}, routed automatically "
          f"{auto.mean():.3f} at precision {correct[auto].mean():.3f}")
    from aktenkundig.inbox.tests import letters

    short = [t for t, _ in letters.corpus(per_unit=100, seed=1)]
    started = time.perf_counter()
    router.probabilities(short)
    print(f"speed on {len(short)} synthetic letters (~{np.mean([len(t) for t in short]):.0f} "
          f"chars): {len(short) / (time.perf_counter() - started):.0f} items/s")
    print(f"aktenkundig classification speed: {statistics.mean(speed):.0f} items/s "
          f"(min {min(speed):.0f}) from text, one process")


if __name__ == "__main__":
    main()
