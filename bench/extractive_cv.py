"""Cross-validation of the extractive answer selection's weights.

Replays ``assistant.extractive.choose`` on the passages recorded by
``bench/extractive.py --dump`` (retrieval and the coverage decision are upstream and
do not change with these weights) for a grid of the e5 share of the sentence score
(``semantic_weight``), the bonus of a sentence that names the kind of fact asked for
(``KIND_BONUS``: an amount, a time), the relative floor below which no further
sentence is quoted, and how many of the retrieved passages sentences are taken from
(``MAX_PASSAGES``). A question counts as right when the answer contains one of its facts and
cites the right document first, or when an unanswerable question is refused.

Two schemes, over all dev questions of the dump:

* leave-one-document-out: the questions about one document are held out, the weights
  are chosen on the others (unanswerable questions are spread over the folds);
* 2-fold, repeated with 20 random splits.

For each fold the best grid point on the training part is taken (ties: the median
of the tied points), and the held-out part is scored with it. Reported: held-out
right answers in total, the spread over folds, and the weights each fold chose.

Usage::

    PYTHONPATH=src python bench/extractive.py --dump /tmp/extractive.json
    PYTHONPATH=src python bench/extractive_cv.py /tmp/extractive.json
    # sentence vectors from the stored windows: the run's data directory is needed
    PYTHONPATH=src python bench/extractive.py --data-dir D --dump J --sentence-vectors windows
    PYTHONPATH=src python bench/extractive_cv.py J --data-dir D --sentence-vectors windows
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

WEIGHTS = [round(0.1 * i, 1) for i in range(11)]
FLOORS = [0.6, 0.75, 0.9]
BONUSES = [0.0, 0.1, 0.2, 0.3]
PASSAGES = [4, 6]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--data-dir", type=Path,
        help="the data directory of the run that wrote the dump: its stored sentence-window "
             "vectors (needed with --sentence-vectors windows)",
    )
    parser.add_argument("--sentence-vectors", choices=["windows", "sentences"])
    parser.add_argument("--rescore-top", type=int)
    args = parser.parse_args()

    if args.data_dir:
        from calibrate_refusal import setup_django

        setup_django(args.data_dir)
    from aktenkundig.assistant import extractive

    if args.sentence_vectors:
        extractive.SENTENCE_VECTORS = args.sentence_vectors
    if args.rescore_top is not None:
        extractive.RESCORE_TOP = args.rescore_top
    _cache_query_vectors()

    # Questions marked "added" were written to judge a change, not to choose weights.
    rows = [row for row in json.loads(args.dump.read_text()) if not row.get("added")]
    grid = [(w, f, b, n) for w in WEIGHTS for f in FLOORS for b in BONUSES for n in PASSAGES]
    # right[i][g]: question i answered right with grid point g
    right = [[_right(extractive, row, *point) for point in grid] for row in rows]

    def best_point(train: list[int]) -> int:
        totals = [sum(right[i][g] for i in train) for g in range(len(grid))]
        top = max(totals)
        tied = [g for g in range(len(grid)) if totals[g] == top]
        return tied[len(tied) // 2]

    print(f"{len(rows)} questions; in-sample right answers per grid point:")
    for g, (w, f, b, n) in enumerate(grid):
        if f == extractive.RELATIVE_FLOOR and n == extractive.MAX_PASSAGES:
            print(f"  weight {w:.1f} floor {f:.2f} bonus {b:.1f} passages {n}: "
                  f"{sum(r[g] for r in right)}")

    # Leave one document out (unanswerables in round robin over the folds).
    docs = sorted({row["doc"] for row in rows if row["expect"]})
    folds: dict[str, list[int]] = {d: [] for d in docs}
    unanswerable = [i for i, row in enumerate(rows) if not row["expect"]]
    for i, row in enumerate(rows):
        if row["expect"]:
            folds[row["doc"]].append(i)
    for k, i in enumerate(unanswerable):
        folds[docs[k % len(docs)]].append(i)
    held = 0
    print("\nleave one document out:")
    for doc, test in folds.items():
        train = [i for i in range(len(rows)) if i not in set(test)]
        g = best_point(train)
        got = sum(right[i][g] for i in test)
        held += got
        print(f"  {doc:<16} n={len(test):>2} right={got:>2}  chose weight {grid[g][0]:.1f} "
              f"floor {grid[g][1]:.2f} bonus {grid[g][2]:.1f} passages {grid[g][3]}")
    print(f"  held out in total: {held} / {len(rows)}")

    rng = random.Random(0)
    shares = []
    chosen = []
    for _ in range(args.repeats):
        order = list(range(len(rows)))
        rng.shuffle(order)
        halves = [order[: len(order) // 2], order[len(order) // 2 :]]
        for a, b in (halves, halves[::-1]):
            g = best_point(a)
            chosen.append(grid[g])
            shares.append(sum(right[i][g] for i in b) / len(b))
    print(f"\n2-fold x {args.repeats}: held-out share right {statistics.mean(shares):.3f} "
          f"± {statistics.stdev(shares):.3f} (min {min(shares):.3f}, max {max(shares):.3f})")
    for name, k in (("weight", 0), ("floor", 1), ("bonus", 2), ("passages", 3)):
        values = sorted(point[k] for point in chosen)
        print(f"  chosen {name}: median {statistics.median(values):.2f}, "
              f"range {values[0]:.2f}–{values[-1]:.2f}")


def _cache_query_vectors() -> None:
    """The replay asks the same questions at every grid point: embed each once."""
    from functools import lru_cache

    import aktenkundig.search.embedding as embedding

    real = embedding.get_encoder

    @lru_cache(maxsize=1)
    def cached():
        encoder = real()

        class Cached:
            name = encoder.name
            embed_passages = staticmethod(encoder.embed_passages)
            embed_query = staticmethod(lru_cache(maxsize=4096)(encoder.embed_query))

        return Cached()

    embedding.get_encoder = cached


def _right(
    extractive, row: dict, weight: float, floor: float, bonus: float, passages: int
) -> bool:
    selection = row.get("selection")
    if selection is None:  # refused by coverage before any sentence was chosen
        return not row["expect"]
    hits = [SimpleNamespace(**h) for h in selection["hits"]]
    saved = extractive.RELATIVE_FLOOR, extractive.KIND_BONUS, extractive.MAX_PASSAGES
    extractive.RELATIVE_FLOOR, extractive.KIND_BONUS, extractive.MAX_PASSAGES = (
        floor, bonus, passages
    )
    try:
        chosen = extractive.choose(
            selection["question"], hits, semantic_weight=weight, **selection["kwargs"]
        )
    finally:
        extractive.RELATIVE_FLOOR, extractive.KIND_BONUS, extractive.MAX_PASSAGES = saved
    if not row["expect"]:
        return not chosen
    if not chosen:
        return False
    text = " ".join(c.sentence for c in chosen)
    first = Path(hits[chosen[0].passages[0]].source_path).name.lower()
    hits = [e in text for e in row["expect"]]
    return (all(hits) if row.get("all") else any(hits)) and row["doc"] in first


if __name__ == "__main__":
    main()
