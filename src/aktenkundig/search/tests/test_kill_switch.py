"""The assistant's kill switch also stops dense search (issue #10, 8)."""

from __future__ import annotations

import pytest

from aktenkundig.accounts.services import create_api_token
from aktenkundig.governance import policy
from aktenkundig.search.services import embed_pending

pytestmark = pytest.mark.slow

QUERY = "Bürgersteig freischaufeln Winter"  # no word in common with the passage


def test_killed_assistant_leaves_only_lexical_search(client, tenant, staff_member, satzungen,
                                                     make_document, ai_officer):
    document = make_document(satzungen, "Straßenreinigung", [
        ("§ 2 Räumpflicht", "Anlieger müssen Gehwege bei Schnee und Glätte räumen und streuen.")])
    embed_pending(tenant=tenant)
    _token, raw = create_api_token(staff_member, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def ids(mode):
        hits = client.get("/api/search/", {"q": QUERY, "mode": mode}, **auth).json()
        return [hit["document_id"] for hit in hits]

    assert ids("dense") == [document.pk]
    policy.kill(tenant, "assistant", ai_officer, reason="Test")
    assert ids("dense") == [] and ids("hybrid") == []
    lexical = client.get("/api/search/", {"q": "Gehwege Schnee", "mode": "hybrid"}, **auth).json()
    assert [hit["document_id"] for hit in lexical] == [document.pk]
