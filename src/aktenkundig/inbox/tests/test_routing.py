"""The routing model without the database: calibration, threshold, abstention, storage."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from aktenkundig.inbox import routing
from aktenkundig.inbox.tests import letters


@pytest.fixture(scope="module")
def router():
    pairs = letters.corpus(per_unit=14)
    return routing.Router.fit([t for t, _ in pairs], [c for _, c in pairs])


def test_routes_unseen_letters_to_their_unit(router):
    unseen = letters.corpus(per_unit=4, seed=99)
    suggestions = router.predict([t for t, _ in unseen])
    best = [s.candidates[0][0] for s in suggestions]
    accuracy = np.mean([b == c for b, (_, c) in zip(best, unseen, strict=True)])
    assert accuracy >= 0.9
    for s in suggestions:  # candidates best first, probabilities a distribution
        probs = [p for _, p in s.candidates]
        assert probs == sorted(probs, reverse=True)
        assert 0.0 <= s.probability <= 1.0


def test_evaluation_is_stored_with_per_unit_precision_and_recall(router):
    evaluation = router.evaluation.as_json()
    assert set(evaluation["per_label"]) == set(letters.UNITS)
    assert {"precision", "recall", "n"} <= set(evaluation["per_label"]["63"])
    assert 0.0 <= evaluation["ece"] <= 1.0


def test_abstains_below_the_threshold(router):
    text = "Sehr geehrte Damen und Herren, bitte um Rückmeldung. Mit freundlichen Grüßen"
    (suggestion,) = router.predict([text])
    assert router.threshold is not None
    assert suggestion.probability < router.threshold
    assert suggestion.abstained and suggestion.label is None
    assert suggestion.as_json()["label"] is None


def test_no_threshold_without_enough_measured_items():
    confidence = np.array([0.99, 0.98, 0.97])
    assert routing.choose_threshold(confidence, np.array([1, 1, 1]), min_items=20) is None


def test_threshold_is_the_lowest_probability_with_target_precision():
    confidence = np.linspace(1.0, 0.01, 100)
    correct = np.ones(100, dtype=bool)
    correct[[10, 30, 50, 51, 52, 53, 54, 70]] = False  # errors get denser lower down
    threshold = routing.choose_threshold(confidence, correct, target=0.95, min_items=20)
    above = confidence >= threshold
    assert correct[above].mean() >= 0.95
    # one step lower would fall below the target
    lower = confidence >= confidence[above.sum()]
    assert correct[lower].mean() < 0.95 or lower.sum() == 100


def test_stored_model_round_trips_without_pickle(router):
    blob = router.to_bytes()
    again = routing.Router.from_bytes(blob)
    texts = [t for t, _ in letters.corpus(per_unit=1, seed=5)]
    assert np.allclose(router.probabilities(texts), again.probabilities(texts), atol=1e-5)
    assert again.threshold == router.threshold


def test_a_blob_with_pickled_objects_is_refused():
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError):
        routing.Router.from_bytes(buffer.getvalue())


def test_decisive_terms_are_words_of_the_letter(router):
    text = letters.letter("63", __import__("random").Random(3))
    terms = router.decisive_terms(text, "63")
    words = " ".join(re.findall(r"\w\w+", text.lower()))
    assert terms and all(term in words for term in terms)


def test_calibration_never_claims_certainty_from_a_finite_sample():
    x, y = routing.fit_isotonic(np.full(40, 0.9), np.ones(40, dtype=bool))
    assert y.max() == pytest.approx(41 / 42)
    # a letter less confident than every measured one stays below the curve's lowest value
    low = routing.calibrate(np.array([0.5]), x, y)[0]
    assert low < y.min()
