"""Train the offensive-language filter and write ``data/moderation.npz``.

    python -m aktenkundig.citizen.moderation_train [path/to/germeval2018.training.txt]

Needs scikit-learn (``pip install aktenkundig[train]``); the product itself does
not. Trains on the rows ``moderation.is_held_out`` does not select, picks the
decision threshold by cross-validation on those training rows only (target:
precision >= 0.75, then the best F1), and prints the held-out scores. The data:
GermEval 2018 shared task, Wiegand/Siegel/Ruppenhofer, CC BY 4.0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from aktenkundig.citizen.moderation import (
    MODEL_PATH,
    NGRAM_RANGE,
    OffensiveLanguageFilter,
    char_wb_ngrams,
    is_held_out,
    load_germeval,
)

DEFAULT_DATA = Path("/work/shared/data/moderation/germeval2018.training.txt")
MIN_PRECISION = 0.75


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=char_wb_ngrams, sublinear_tf=True, min_df=2, max_features=60000
    )
    model = LogisticRegression(C=8.0, class_weight="balanced", max_iter=2000)
    return vectorizer, model


def _choose_threshold(texts: list[str], labels: np.ndarray) -> float:
    from sklearn.model_selection import StratifiedKFold

    scores = np.zeros(len(texts))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
        vectorizer, model = _pipeline()
        x = vectorizer.fit_transform([texts[i] for i in train])
        model.fit(x, labels[train])
        scores[test] = model.predict_proba(vectorizer.transform([texts[i] for i in test]))[:, 1]
    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.30, 0.95, 0.01):
        predicted = scores >= threshold
        tp = float(np.sum(predicted & (labels == 1)))
        precision = tp / max(1.0, float(predicted.sum()))
        recall = tp / max(1.0, float(labels.sum()))
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        if precision >= MIN_PRECISION and f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return round(best, 2)


def evaluate(classifier: OffensiveLanguageFilter, rows: list[tuple[str, int]]) -> dict:
    """Precision, recall and F1 of the OFFENSE class, plus macro F1."""
    predicted = np.array([classifier.check(text).offensive for text, _ in rows])
    gold = np.array([label for _, label in rows]).astype(bool)
    result: dict[str, float | int] = {"rows": len(rows)}
    f1s = []
    for name, positive in (("offense", True), ("other", False)):
        tp = float(np.sum((predicted == positive) & (gold == positive)))
        precision = tp / max(1.0, float(np.sum(predicted == positive)))
        recall = tp / max(1.0, float(np.sum(gold == positive)))
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        f1s.append(f1)
        if name == "offense":
            result.update(precision=precision, recall=recall, f1=f1)
    result["macro_f1"] = float(np.mean(f1s))
    result["threshold"] = classifier.threshold
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)

    rows = load_germeval(args.data)
    train = [r for r in rows if not is_held_out(r[0])]
    held_out = [r for r in rows if is_held_out(r[0])]
    texts = [t for t, _ in train]
    labels = np.array([label for _, label in train])

    threshold = _choose_threshold(texts, labels)
    vectorizer, model = _pipeline()
    model.fit(vectorizer.fit_transform(texts), labels)

    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.output,
        vocabulary=np.array("\n".join(vocabulary)),
        idf=vectorizer.idf_.astype(np.float32),
        coef=model.coef_[0].astype(np.float32),
        intercept=np.array(model.intercept_[0]),
        threshold=np.array(threshold),
    )

    # The numpy scorer must give scikit-learn's decisions (float32 weights aside).
    classifier = OffensiveLanguageFilter(args.output)
    reference = model.decision_function(vectorizer.transform([t for t, _ in held_out]))
    ours = np.array([classifier.decision(t) for t, _ in held_out])
    deviation = float(np.max(np.abs(reference - ours)))
    if deviation > 1e-3:
        sys.exit(f"numpy scorer deviates from scikit-learn by {deviation}")

    report = {
        "train_rows": len(train),
        "held_out": evaluate(classifier, held_out),
        "ngram_range": list(NGRAM_RANGE),
        "features": len(vocabulary),
        "model_bytes": args.output.stat().st_size,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
