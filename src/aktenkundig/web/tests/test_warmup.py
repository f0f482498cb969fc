"""Models are loaded when a web worker starts, not by the first question (issue #9,
point 6: the first answer after a start took about five seconds)."""

from __future__ import annotations

import importlib

import pytest

from aktenkundig.web import warmup


def test_loading_the_wsgi_application_warms_the_models(monkeypatch):
    calls = []
    monkeypatch.setattr(warmup, "warm", lambda: calls.append("warm") or {})
    import aktenkundig.wsgi

    module = importlib.reload(aktenkundig.wsgi)  # as a freshly started worker does
    module.warming.join(10)
    assert calls and set(calls) == {"warm"}
    assert module.warming.name == "warm-up" and module.warming.daemon


@pytest.mark.slow
def test_warm_loads_every_model():
    from aktenkundig.citizen import language

    timings = warmup.warm()
    assert set(timings) == {"encoder", "analyzer", "language", "moderation", "calibration"}
    assert language._detector is not None
