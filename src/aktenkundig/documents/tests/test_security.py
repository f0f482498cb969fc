"""Attacks on the document library's rights (issue #10, point 1).

A Fachadmin cleared only for "intern" must not reach a VS-NfD collection by any
route the role alone would open: the collection page, the web upload, a level
change upwards or downwards. Every change is in the audit chain, and an upload
with the same file name never overwrites somebody else's document.
"""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aktenkundig.accounts.models import Role
from aktenkundig.core.models import AccessLevel, Collection
from aktenkundig.documents.models import Document
from aktenkundig.governance.models import AuditRecord


def _data_events(tenant):
    return [json.loads(body) for body in AuditRecord.objects.filter(
        tenant=tenant, kind="data").order_by("seq").values_list("body", flat=True)]


def _fachadmin(make_user, tenant, name="fritz", unit="Amt 32"):
    return make_user(name, tenant, [Role.STAFF, Role.SUBJECT_ADMIN], unit=unit,
                     clearance=AccessLevel.INTERN)


def test_fachadmin_cleared_intern_cannot_declassify_or_publish_vs_nfd(
    client, make_user, tenant, make_document
):
    vsnfd = Collection.objects.create(tenant=tenant, name="Lagebilder",
                                      access_level=AccessLevel.VS_NFD)
    make_document(vsnfd, "Lagebild Hochwasser", [("1", "Deichschwachstelle km 12")])
    client.force_login(_fachadmin(make_user, tenant))
    url = reverse("documents:collection_edit", args=[vsnfd.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"name": "Lagebilder", "description": "",
                                 "access_level": AccessLevel.OFFEN, "is_public": "on"})
    assert response.status_code == 404
    vsnfd.refresh_from_db()
    assert (vsnfd.access_level, vsnfd.is_public) == (AccessLevel.VS_NFD, False)
    # nor does it appear among the collections to upload into
    page = client.get(reverse("documents:library")).content.decode()
    assert f'value="{vsnfd.pk}"' not in page


def test_fachadmin_cannot_upload_into_a_collection_above_their_clearance(
    client, make_user, tenant
):
    vsnfd = Collection.objects.create(tenant=tenant, name="Lagebilder",
                                      access_level=AccessLevel.VS_NFD)
    client.force_login(_fachadmin(make_user, tenant))
    response = client.post(
        reverse("documents:upload"),
        {"collection": vsnfd.pk, "files": [SimpleUploadedFile("x.txt", b"Hallo Welt")]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert not Document.objects.filter(collection=vsnfd).exists()


def test_level_change_needs_clearance_for_the_new_level_and_is_audited(
    client, make_user, tenant
):
    intern = Collection.objects.create(tenant=tenant, name="Protokolle",
                                       access_level=AccessLevel.INTERN)
    fritz = _fachadmin(make_user, tenant)
    client.force_login(fritz)
    url = reverse("documents:collection_edit", args=[intern.pk])
    response = client.post(url, {"name": "Protokolle", "description": "",
                                 "access_level": AccessLevel.VS_NFD})
    assert response.status_code == 200  # form error: level not offered
    intern.refresh_from_db()
    assert intern.access_level == AccessLevel.INTERN
    assert _data_events(tenant) == []
    # allowed: intern -> offen and public, audited with before and after
    response = client.post(url, {"name": "Protokolle", "description": "",
                                 "access_level": AccessLevel.OFFEN, "is_public": "on"})
    assert response.status_code == 302
    (event,) = _data_events(tenant)
    assert event["actor"]["name"] == "fritz" and event["ts"]
    assert event["data"]["action"] == "collection.changed"
    assert event["data"]["before"]["access_level"] == "intern"
    assert event["data"]["before"]["is_public"] is False
    assert event["data"]["after"]["access_level"] == "offen"
    assert event["data"]["after"]["is_public"] is True


def test_same_name_upload_does_not_overwrite_another_persons_document(
    client, make_user, tenant, django_capture_on_commit_callbacks
):
    shared = Collection.objects.create(tenant=tenant, name="Vorlagen",
                                       access_level=AccessLevel.INTERN)
    anna = _fachadmin(make_user, tenant, "anna")
    fritz = _fachadmin(make_user, tenant, "fritz")

    def upload(user, text):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("documents:upload"),
                {"collection": shared.pk,
                 "files": [SimpleUploadedFile("bericht.txt", text.encode())]},
                HTTP_ACCEPT="application/json",
            ).json()["results"][0]

    upload(anna, "Annas Bericht über die Sanierung der Grundschule.")
    result = upload(fritz, "Fritz überschreibt den Bericht mit etwas anderem.")
    assert "anderen Person" in result["note"]
    owners = set(Document.objects.filter(collection=shared).values_list(
        "uploaded_by__username", flat=True))
    assert owners == {"anna", "fritz"}  # Anna's document is still there
    # her own new version replaces hers, audited with before and after
    upload(anna, "Annas Bericht, zweite Fassung, mit Kostenschätzung.")
    assert Document.objects.filter(collection=shared).count() == 2
    actions = [e["data"]["action"] for e in _data_events(tenant)]
    assert actions.count("document.uploaded") == 3
    assert "document.replaced" in actions
    replaced = next(e for e in _data_events(tenant) if e["data"]["action"] == "document.replaced")
    assert replaced["data"]["before"]["sha256"] != replaced["data"]["after"]["sha256"]
    # and a deletion is audited too
    document = Document.objects.get(collection=shared, uploaded_by=fritz)
    client.force_login(fritz)
    client.post(reverse("documents:delete", args=[document.pk]))
    assert _data_events(tenant)[-1]["data"]["action"] == "document.deleted"


HAUSMEISTER = ("Hausordnung der Grundschule am Park.\n\n"
               "Bei Störungen wenden Sie sich an unseren Hausmeister Herrn Klaus Brenner, "
               "Telefon 0171 2345678, wohnhaft Lindenstraße 12, 12345 Musterhausen.\n\n"
               "Die Turnhalle ist werktags von 8 bis 20 Uhr geöffnet.")


def test_upload_defaults_to_the_most_restrictive_collection_and_publishing_is_explicit(
    client, make_user, tenant, django_capture_on_commit_callbacks
):
    """Issue #9, 3: uploads went to the public collection without a word, and a
    caretaker's name and phone number came out of the citizen chatbot."""
    public = Collection.objects.create(tenant=tenant, name="Bürgerinfo",
                                       access_level=AccessLevel.OFFEN, is_public=True)
    internal = Collection.objects.create(tenant=tenant, name="Zentrale Dienste",
                                         access_level=AccessLevel.INTERN)
    fritz = _fachadmin(make_user, tenant)
    client.force_login(fritz)
    page = client.get(reverse("documents:library")).content.decode()
    select = page[page.index('id="upload-collection"'):page.index("</select>")]
    assert select.index(f'value="{internal.pk}"') < select.index(f'value="{public.pk}"')
    assert "selected" not in select

    def upload(**extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("documents:upload"),
                {"collection": public.pk, **extra,
                 "files": [SimpleUploadedFile("hausordnung.txt", HAUSMEISTER.encode())]},
                HTTP_ACCEPT="application/json",
            )

    response = upload()
    assert response.status_code == 400 and "ausdrücklich" in response.json()["results"][0]["error"]
    assert not Document.objects.filter(collection=public).exists()

    response = upload(veroeffentlichen="1")
    assert response.status_code == 200
    document = Document.objects.get(collection=public)
    assert document.status == "review"
    assert "Name" in document.error and "Telefonnummer" in document.error
    assert not document.chunks.exists()
    from aktenkundig.search.services import search

    assert not search("Hausmeister Telefon", tenant=tenant, collections=[public], mode="bm25")
    page = client.get(reverse("documents:library")).content.decode()
    assert "Prüfung nötig" in page and "Trotzdem veröffentlichen" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:release", args=[document.pk]))
    document.refresh_from_db()
    assert document.status == "indexed" and document.released_by == fritz
    assert "document.released_with_personal_data" in [
        e["data"]["action"] for e in _data_events(tenant)]


def test_api_upload_into_a_public_collection_needs_publish(client, make_user, tenant):
    from aktenkundig.accounts.services import create_api_token

    public = Collection.objects.create(tenant=tenant, name="Bürgerinfo",
                                       access_level=AccessLevel.OFFEN, is_public=True)
    _token, raw = create_api_token(_fachadmin(make_user, tenant), "test")
    response = client.post(
        "/api/documents/", {"collection": public.pk,
                            "files": [SimpleUploadedFile("a.txt", b"Hallo Welt")]},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403 and "publish" in response.json()["detail"]
    assert not Document.objects.filter(collection=public).exists()


def test_out_of_range_numbers_and_negative_offsets_are_client_errors(
    client, make_user, tenant, satzungen, make_document
):
    """Issue #10, 7: these answered 500."""
    from aktenkundig.accounts.services import create_api_token

    staff = make_user("erika", tenant, [Role.STAFF], unit="Amt 32")
    document = make_document(satzungen, "Hundesteuersatzung", [("§ 5", "120 Euro")])
    client.force_login(staff)
    huge = "9" * 30
    assert client.get(reverse("documents:library"), {"sammlung": huge}).status_code == 200
    assert client.get(reverse("documents:detail", args=[document.pk]),
                      {"stelle": huge}).status_code == 200
    assert client.get(f"/dokumente/{huge}/").status_code in (400, 404)
    assert client.get(f"/dokumente/{huge}/original/").status_code in (400, 404)
    _token, raw = create_api_token(staff, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for query in ({"offset": -1}, {"collection": huge}, {"offset": huge}, {"limit": huge}):
        assert client.get("/api/documents/", query, **auth).status_code == 422, query
    assert client.get(f"/api/documents/{huge}", **auth).status_code in (404, 422)
    assert client.get("/api/documents/", {"offset": 0}, **auth).status_code == 200
