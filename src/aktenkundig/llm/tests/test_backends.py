import pytest

from aktenkundig.core.models import AccessLevel
from aktenkundig.llm import gateway
from aktenkundig.llm.backends import configured_backends, default_backend, is_on_prem_url
from aktenkundig.llm.client import LLMNotConfigured, chat, health


def test_without_base_url_there_is_no_backend_and_no_call(monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", "")
    assert configured_backends() == []
    with pytest.raises(LLMNotConfigured, match="kein Sprachmodell"):
        chat([{"role": "user", "content": "Hallo"}])
    with pytest.raises(LLMNotConfigured):
        gateway.complete([{"role": "user", "content": "Hallo"}], data_level=AccessLevel.OFFEN)
    assert gateway.is_available() is False
    ok, _latency, detail = health()
    assert not ok and "kein Sprachmodell" in detail


def test_backend_from_environment(monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", "https://api.example.com/v1/")
    monkeypatch.setenv("AKTENKUNDIG_LLM_MODEL", "gross")
    monkeypatch.setenv("AKTENKUNDIG_LLM_API_KEY", "sk-geheim")
    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_LEVEL", "offen")
    monkeypatch.setenv("AKTENKUNDIG_LLM_TIMEOUT", "7.5")
    backend = default_backend()
    assert backend.base_url == "https://api.example.com/v1"
    assert backend.model == "gross" and backend.timeout == 7.5
    assert backend.max_level == AccessLevel.OFFEN
    assert backend.on_prem is False  # public host name, auto
    assert "sk-geheim" not in repr(backend)
    monkeypatch.setenv("AKTENKUNDIG_LLM_ON_PREM", "true")
    assert default_backend().on_prem is True


def test_bad_timeout_is_reported_by_name(monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("AKTENKUNDIG_LLM_TIMEOUT", "bald")
    with pytest.raises(ValueError, match="AKTENKUNDIG_LLM_TIMEOUT"):
        configured_backends()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://10.1.2.3/v1", True),
        ("http://vllm/v1", True),
        ("http://llm.rathaus.intern/v1", True),
        ("https://api.openai.com/v1", False),
        ("http://8.8.8.8/v1", False),
    ],
)
def test_on_prem_heuristic(url, expected):
    assert is_on_prem_url(url) is expected


def test_routing_by_classification(monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_LEVEL", "intern")
    assert gateway.select_backend(AccessLevel.INTERN).name == "default"
    assert gateway.is_available(AccessLevel.OFFEN)
    with pytest.raises(gateway.LLMNotPermitted, match="vertraulich"):
        gateway.complete(
            [{"role": "user", "content": "Personalakte"}], data_level=AccessLevel.VERTRAULICH
        )
