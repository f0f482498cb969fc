"""REST API: same JSON as the CLI, gated, tenant-scoped."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aktenkundig.accounts.services import create_api_token
from aktenkundig.forms.tests.conftest import filled
from aktenkundig.testing.accounts import approve_assistant

pytestmark = pytest.mark.django_db


def _auth(user):
    _token, raw = create_api_token(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_extract_and_submit(client, tenant, staff_member, registered, blank, sample_schema):
    headers = _auth(staff_member)
    upload = SimpleUploadedFile("a.pdf", filled(blank, sample_schema))
    assert client.post("/api/forms/extract", {"file": upload}, **headers).status_code == 403
    approve_assistant(tenant, "forms")
    upload = SimpleUploadedFile("a.pdf", filled(blank, sample_schema))
    response = client.post("/api/forms/extract", {"file": upload, "form": "hundesteuer"},
                           **headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["form"], body["version"]) == ("hundesteuer", 1)
    assert body["fields"]["Listenhund"]["value"] == "nein"
    assert body["fields"]["IBAN"]["bbox"] == sample_schema.by_name()["IBAN"].rect
    upload = SimpleUploadedFile("a.pdf", filled(blank, sample_schema))
    response = client.post("/api/forms/submissions", {"file": upload}, **headers)
    assert response.status_code == 201 and response.json()["status"] == "open"
    assert client.get("/api/forms/types", **headers).json()[0]["fields"] == 17
    bad = SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\nkaputt")
    response = client.post("/api/forms/extract", {"file": bad}, **headers)
    assert response.status_code == 422 and "lesbares Bild" in response.json()["detail"]


def test_records_of_other_tenant_not_found(client, tenant, other_tenant, stranger, registered):
    approve_assistant(other_tenant, "forms")
    response = client.get(f"/api/forms/types/{registered.pk}/records", **_auth(stranger))
    assert response.status_code == 404
