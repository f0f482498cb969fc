from __future__ import annotations

import pytest

from aktenkundig.language.metrics import chrf


def test_chrf_identity_disjoint_and_partial():
    assert chrf(["the cat"], ["the cat"]) == pytest.approx(100.0)
    assert chrf(["xyz"], ["abc"]) == 0.0
    # "ab" vs "abc": unigrams P=2/2 R=2/3, bigrams P=1/1 R=1/2 (orders >= 3: no hyp n-grams).
    p, r = 1.0, (2 / 3 + 1 / 2) / 2
    assert chrf(["ab"], ["abc"]) == pytest.approx(100 * 5 * p * r / (4 * p + r))
    assert chrf(["a b"], ["ab"]) == pytest.approx(100.0)  # whitespace ignored
    with pytest.raises(ValueError):
        chrf(["a"], [])
