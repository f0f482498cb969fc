"""REST API of the language services: check without gate, translate gated,
routing refusal, token auth."""

from __future__ import annotations

from aktenkundig.accounts.services import create_api_token
from aktenkundig.language.tests.test_checker import HARD


def _auth(user) -> dict[str, str]:
    _token, raw = create_api_token(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_check_endpoint(client, staff_member):
    response = client.post("/api/language/check", {"text": HARD},
                           content_type="application/json", **_auth(staff_member))
    data = response.json()
    assert response.status_code == 200 and set(data) == {"scores", "findings"}
    assert data["scores"]["difficulty"] > 50


def test_translate_endpoint_gated_and_routed(client, staff_member, libretranslate,
                                             monkeypatch, tenant):
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_BACKEND", "libretranslate")
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_URL", libretranslate.url)
    headers = _auth(staff_member)
    body = {"text": "Hallo Welt", "target": "en"}
    response = client.post("/api/language/translate", body, content_type="application/json",
                           **headers)
    assert response.status_code == 403  # no approved KI-Register entry yet
    from aktenkundig.testing.accounts import approve_assistant

    approve_assistant(tenant, "language")
    response = client.post("/api/language/translate", body, content_type="application/json",
                           **headers)
    assert response.status_code == 200
    assert response.json()["text"] == "hello world"
    assert response.json()["note"] == "maschinell übersetzt"
    response = client.post("/api/language/translate", {**body, "data_level": 1},
                           content_type="application/json", **headers)
    assert response.status_code == 403 and "Schutzstufe" in response.json()["detail"]
    assert len(libretranslate.requests) == 1


def test_simplify_without_a_model_says_why(client, staff_member, language_tenant, monkeypatch,
                                           tmp_path):
    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    response = client.post("/api/language/simplify", {"text": HARD},
                           content_type="application/json", **_auth(staff_member))
    assert response.status_code == 503
    assert response.json()["detail"] == "Es ist kein Sprachmodell konfiguriert."
    import pytest
    from django.core.management import CommandError, call_command

    file = tmp_path / "b.txt"
    file.write_text(HARD, encoding="utf-8")
    with pytest.raises(CommandError, match="kein Sprachmodell"):
        call_command("language", "simplify", str(file))
