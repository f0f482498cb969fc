"""chrF (Popović 2015), corpus level, as sacrebleu computes it by default
(character n-grams up to 6, no word n-grams, β = 2, whitespace ignored):
statistics are summed over the corpus, precision and recall averaged over the
n-gram orders, then combined. Implemented here so that the benchmark needs no
extra dependency; ``test_metrics`` pins it to hand-computed values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

ORDER = 6
BETA = 2.0


def _ngrams(text: str, n: int) -> Counter[str]:
    text = "".join(text.split())
    return Counter(text[i:i + n] for i in range(len(text) - n + 1))


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    if len(hypotheses) != len(references):
        raise ValueError("hypotheses and references differ in number")
    matches = [0] * ORDER
    hyp_total = [0] * ORDER
    ref_total = [0] * ORDER
    for hyp, ref in zip(hypotheses, references, strict=True):
        for n in range(1, ORDER + 1):
            h, r = _ngrams(hyp, n), _ngrams(ref, n)
            matches[n - 1] += sum((h & r).values())
            hyp_total[n - 1] += sum(h.values())
            ref_total[n - 1] += sum(r.values())
    precisions, recalls = [], []
    for n in range(ORDER):
        if hyp_total[n] and ref_total[n]:
            precisions.append(matches[n] / hyp_total[n])
            recalls.append(matches[n] / ref_total[n])
    if not precisions:
        return 0.0
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    if p + r == 0:
        return 0.0
    return 100 * (1 + BETA**2) * p * r / (BETA**2 * p + r)
