"""Posteingang on the synthetic municipal letters written for the project
(``inbox/tests/letters.py``): with training data (5-fold CV) and without (cold start
from the units' descriptions and keywords with the shipped e5 encoder), clean and
with OCR-like noise (characters swapped for look-alikes, dropped or doubled).

    python bench/inbox_letters.py [--per-unit 40] [--noise 0.05]

Caveat: the letters are built from templates per unit, so they are far easier to
separate than real post; the cold-start column is the informative one.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from aktenkundig.inbox import routing
from aktenkundig.inbox.tests import letters

LOOKALIKE = {"e": "c", "l": "1", "o": "0", "i": "l", "n": "m", "u": "v", "a": "o", "s": "5"}


def noisy(text: str, rate: float, rng: random.Random) -> str:
    out = []
    for char in text:
        roll = rng.random()
        if roll < rate / 3:
            out.append(LOOKALIKE.get(char, char))
        elif roll < 2 * rate / 3:
            continue
        elif roll < rate:
            out.append(char * 2)
        else:
            out.append(char)
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-unit", type=int, default=40)
    parser.add_argument("--noise", type=float, default=0.05)
    args = parser.parse_args()
    pairs = letters.corpus(per_unit=args.per_unit, seed=3)
    rng = random.Random(5)
    sets = {"clean": [t for t, _ in pairs],
            f"OCR noise {args.noise:.0%}": [noisy(t, args.noise, rng) for t, _ in pairs]}
    labels = [c for _, c in pairs]
    profiles = {code: f"{name}. {', '.join(subjects)}. {keywords}"
                for code, (name, keywords, subjects) in letters.UNITS.items()}
    from aktenkundig.search.embedding import get_encoder

    encoder = get_encoder()
    print(f"{len(pairs)} synthetic letters, {len(letters.UNITS)} units")
    print("| texts | trained: macro-F1 | trained: routed automatically | precision of those "
          "| cold start (e5): accuracy | cold start items/s |")
    print("|---|---|---|---|---|---|")
    for name, texts in sets.items():
        pooled, _folds = routing.evaluate(texts, labels, folds=5)
        started = time.perf_counter()
        cold = routing.cold_start(texts, profiles, encoder)
        speed = len(texts) / (time.perf_counter() - started)
        accuracy = np.mean([s.candidates[0][0] == c for s, c in zip(cold, labels, strict=True)])
        precision = "–" if pooled.auto_precision is None else f"{pooled.auto_precision:.3f}"
        print(f"| {name} | {pooled.macro_f1:.3f} | {pooled.auto_share:.3f} | {precision} "
              f"| {accuracy:.3f} | {speed:.0f} |")


if __name__ == "__main__":
    main()
