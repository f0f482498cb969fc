"""REST API of the document library: token auth, rights, cross-tenant 404s."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aktenkundig.accounts.services import create_api_token
from aktenkundig.core.models import AccessLevel, Collection
from aktenkundig.documents.models import Document, DocumentStatus
from aktenkundig.testing.pdf import text_pdf


def bearer(user) -> dict:
    _token, raw = create_api_token(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def hundesteuer(satzungen, make_document):
    return make_document(satzungen, "Hundesteuersatzung", [("§ 5", "120 Euro")])


def test_requires_a_valid_token(client, hundesteuer, make_user):
    assert client.get("/api/documents/").status_code == 401
    assert client.get("/api/documents/", HTTP_AUTHORIZATION="Bearer akt_falsch").status_code == 401
    lonely = make_user("lonely", None)
    assert client.get("/api/documents/", **bearer(lonely)).status_code == 401


def test_list_get_and_collections(client, staff_member, hundesteuer, satzungen, tenant):
    Collection.objects.create(tenant=tenant, name="Personal", access_level=AccessLevel.VS_NFD)
    auth = bearer(staff_member)
    listing = client.get("/api/documents/", **auth).json()
    assert [d["title"] for d in listing] == ["Hundesteuersatzung"]
    assert listing[0]["status"] == "indexed" and listing[0]["chunk_count"] == 1
    assert client.get("/api/documents/", {"status": "failed"}, **auth).json() == []
    assert client.get("/api/documents/", {"status": "quatsch"}, **auth).status_code == 422
    one = client.get(f"/api/documents/{hundesteuer.pk}", **auth).json()
    assert one["original_name"] == "Hundesteuersatzung.pdf"
    collections = client.get("/api/documents/collections", **auth).json()
    assert [(c["name"], c["access_level"], c["can_manage"]) for c in collections] == [
        ("Satzungen", "offen", False)
    ]


def test_other_tenant_gets_404_everywhere(client, stranger, hundesteuer, satzungen):
    auth = bearer(stranger)
    assert client.get("/api/documents/", **auth).json() == []
    assert client.get(f"/api/documents/{hundesteuer.pk}", **auth).status_code == 404
    assert client.delete(f"/api/documents/{hundesteuer.pk}", **auth).status_code == 404
    assert client.post(f"/api/documents/{hundesteuer.pk}/reindex", **auth).status_code == 404
    upload = client.post(
        "/api/documents/",
        {"collection": satzungen.pk, "files": [SimpleUploadedFile("a.txt", b"Hallo")]},
        **auth,
    )
    assert upload.status_code == 404
    assert client.get("/api/documents/collections", **auth).json() == []
    assert Document.objects.filter(pk=hundesteuer.pk).exists()


def test_staff_may_read_but_not_change(client, staff_member, hundesteuer, satzungen):
    auth = bearer(staff_member)
    assert client.delete(f"/api/documents/{hundesteuer.pk}", **auth).status_code == 403
    assert client.post(f"/api/documents/{hundesteuer.pk}/reindex", **auth).status_code == 403
    upload = client.post(
        "/api/documents/",
        {"collection": satzungen.pk, "files": [SimpleUploadedFile("a.txt", b"Hallo")]},
        **auth,
    )
    assert upload.status_code == 403 and "hochladen" in upload.json()["detail"]


def test_upload_status_reindex_delete(client, subject_admin, satzungen,
                                      django_capture_on_commit_callbacks):
    auth = bearer(subject_admin)
    pdf = text_pdf([["§ 2 Gebühren", "Die Gebühr für einen Reisepass beträgt 70 Euro."]])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/documents/",
            {"collection": satzungen.pk,
             "files": [SimpleUploadedFile("gebuehren.pdf", pdf),
                       SimpleUploadedFile("virus.pdf", b"MZ\x90\x00")]},
            **auth,
        )
    assert response.status_code == 201
    good, bad = response.json()["results"]
    assert good["ok"] and not bad["ok"] and "beschädigt" in bad["error"]
    status = client.get(f"/api/documents/{good['document_id']}", **auth).json()
    assert status["status"] == DocumentStatus.INDEXED and status["chunk_count"] >= 1

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/api/documents/{good['document_id']}/reindex", **auth)
    assert again.status_code == 202 and again.json()["status"] == "queued"
    assert Document.objects.get(pk=good["document_id"]).status == DocumentStatus.INDEXED

    assert client.delete(f"/api/documents/{good['document_id']}", **auth).status_code == 204
    assert client.get(f"/api/documents/{good['document_id']}", **auth).status_code == 404


def test_session_auth_needs_csrf(staff_member, hundesteuer):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_member)
    assert browser.get("/api/documents/").status_code == 200
    assert browser.delete(f"/api/documents/{hundesteuer.pk}").status_code in {401, 403}
    assert Document.objects.filter(pk=hundesteuer.pk).exists()


def test_openapi_docs_are_served_without_cdn(client):
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()
    schema = client.get("/api/openapi.json").json()
    assert "/api/documents/" in schema["paths"] and "/api/assistant/ask" in schema["paths"]
