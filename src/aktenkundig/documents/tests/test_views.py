"""Web layer of the document library: rights, upload checks, passages, download."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aktenkundig.accounts.models import CollectionUnit
from aktenkundig.core.models import AccessLevel, Collection
from aktenkundig.documents.models import Document, DocumentStatus
from aktenkundig.testing.pdf import text_pdf

HUNDESTEUER = text_pdf(
    [["§ 1 Steuergegenstand", "Das Halten von Hunden im Gemeindegebiet ist steuerpflichtig."],
     ["§ 5 Steuersatz", "Die Steuer beträgt für den ersten Hund 120 Euro im Jahr."]],
    title="Hundesteuersatzung",
)


def _upload(client, collection, *files, json=False):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(
        reverse("documents:upload"), {"collection": collection.pk, "files": list(files)},
        **headers,
    )


def test_upload_several_files_processes_them(
    client, subject_admin, satzungen, django_capture_on_commit_callbacks
):
    client.force_login(subject_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(
            client, satzungen,
            SimpleUploadedFile("hundesteuer.pdf", HUNDESTEUER, "application/pdf"),
            SimpleUploadedFile("notiz.txt", "Öffnungszeiten: Mo–Fr 8–12 Uhr".encode(),
                               "text/plain"),
            json=True,
        )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["ok"] for r in results] == [True, True]
    document = Document.objects.get(pk=results[0]["document_id"])
    assert document.status == DocumentStatus.INDEXED and document.uploaded_by == subject_admin
    assert document.chunks.filter(text__contains="120 Euro").exists()
    page = client.get(reverse("documents:library"))
    assert b"durchsuchbar" in page.content and b"hundesteuer.pdf" in page.content


def test_upload_rejects_disguised_oversized_and_foreign_collection(
    client, subject_admin, satzungen, stranger, settings
):
    client.force_login(subject_admin)
    fake = SimpleUploadedFile("rechnung.pdf", b"MZ\x90\x00 this is an exe", "application/pdf")
    response = _upload(client, satzungen, fake, json=True)
    assert response.status_code == 400
    assert "beschädigt" in response.json()["results"][0]["error"]

    settings.MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("gross.txt", b"x" * 2048, "text/plain")
    error = _upload(client, satzungen, big, json=True).json()["results"][0]["error"]
    assert "zu groß" in error

    client.force_login(stranger)  # administrator, but of another tenant
    ok_file = SimpleUploadedFile("a.txt", b"Hallo", "text/plain")
    response = _upload(client, satzungen, ok_file, json=True)
    assert response.status_code == 400 and "Sammlung" in response.json()["results"][0]["error"]
    assert not Document.objects.exists()


def test_staff_cannot_upload_delete_or_reindex(client, staff_member, satzungen, make_document):
    document = make_document(satzungen, "Hundesteuersatzung", [("§ 5", "120 Euro")])
    client.force_login(staff_member)
    page = client.get(reverse("documents:library"))
    assert b"upload-form" not in page.content and b"Hundesteuersatzung" in page.content
    response = _upload(client, satzungen, SimpleUploadedFile("a.txt", b"Hallo"), json=True)
    assert response.status_code == 400
    assert client.post(reverse("documents:delete", args=[document.pk])).status_code == 403
    assert client.post(reverse("documents:reindex", args=[document.pk])).status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()


def test_passage_is_highlighted_and_original_downloadable(
    client, staff_member, satzungen, make_document
):
    document = make_document(
        satzungen, "Hundesteuersatzung", [("§ 1", "Steuerpflicht"), ("§ 5", "120 Euro")],
        data=HUNDESTEUER,
    )
    cited = document.chunks.get(section="§ 5")
    client.force_login(staff_member)
    page = client.get(reverse("documents:detail", args=[document.pk]), {"stelle": cited.pk})
    html = page.content.decode()
    assert f'class="passage highlight" id="stelle-{cited.pk}"' in html
    assert html.count("passage highlight") == 1 and "Seite 2" in html
    download = client.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == HUNDESTEUER
    assert "attachment" in download["Content-Disposition"]
    assert "Hundesteuersatzung.pdf" in download["Content-Disposition"]


def test_other_tenants_and_restricted_collections_get_404(
    client, staff_member, stranger, satzungen, make_document, tenant
):
    document = make_document(satzungen, "Hundesteuersatzung", [("§ 5", "120 Euro")])
    secret = Collection.objects.create(
        tenant=tenant, name="Personalakten", access_level=AccessLevel.VERTRAULICH
    )
    personal = make_document(secret, "Personalakte Müller", [("1", "Gehalt")])
    bau = Collection.objects.create(tenant=tenant, name="Bauakten")
    CollectionUnit.objects.create(collection=bau, unit="Amt 63")
    bauakte = make_document(bau, "Bauantrag Schulstraße", [("1", "Garage")])

    client.force_login(stranger)
    for name in ["documents:detail", "documents:download"]:
        assert client.get(reverse(name, args=[document.pk])).status_code == 404
    for name in ["documents:delete", "documents:reindex"]:
        assert client.post(reverse(name, args=[document.pk])).status_code == 404
    assert b"Hundesteuersatzung" not in client.get(reverse("documents:library")).content

    client.force_login(staff_member)  # clearance "intern", unit "Amt 32"
    listing = client.get(reverse("documents:library")).content
    assert b"Hundesteuersatzung" in listing
    assert b"Personalakte" not in listing and b"Bauantrag" not in listing
    for hidden in (personal, bauakte):
        assert client.get(reverse("documents:detail", args=[hidden.pk])).status_code == 404


def test_delete_and_reindex(client, subject_admin, satzungen, make_document,
                            django_capture_on_commit_callbacks):
    document = make_document(satzungen, "Hundesteuersatzung", [("§ 5", "120 Euro")],
                             data=HUNDESTEUER)
    client.force_login(subject_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:reindex", args=[document.pk]))
    document.refresh_from_db()
    assert document.status == DocumentStatus.INDEXED
    assert document.chunks.filter(text__contains="Halten von Hunden").exists()
    response = client.post(reverse("documents:delete", args=[document.pk]))
    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()


def test_library_filters_and_status_rows(client, staff_member, satzungen, make_document):
    make_document(satzungen, "Hundesteuersatzung", [("§ 5", "120 Euro")])
    failed = make_document(satzungen, "Kaputt", [], status=DocumentStatus.FAILED)
    Document.objects.filter(pk=failed.pk).update(error="Die Datei ist beschädigt.")
    make_document(satzungen, "Wartet", [], status=DocumentStatus.QUEUED)
    client.force_login(staff_member)
    page = client.get(reverse("documents:library"), {"status": "failed"}).content.decode()
    assert "Kaputt" in page and "Die Datei ist beschädigt." in page and "Hundesteuer" not in page
    found = client.get(reverse("documents:library"), {"q": "hunde"}).content.decode()
    assert "Hundesteuer" in found
    rows = client.get(reverse("documents:library_rows")).content.decode()
    assert rows.startswith('<tbody id="document-rows" hx-get=') and 'every 2s' in rows


def test_collection_settings_by_subject_admin(client, subject_admin, staff_member, satzungen):
    client.force_login(subject_admin)
    response = client.post(
        reverse("documents:collection_edit", args=[satzungen.pk]),
        {"name": "Satzungen", "description": "", "access_level": AccessLevel.VERTRAULICH,
         "is_public": "on", "units": "Amt 50"},
    )
    assert response.status_code == 200 and "öffentlich sein".encode() in response.content
    client.post(
        reverse("documents:collection_edit", args=[satzungen.pk]),
        {"name": "Satzungen", "description": "", "access_level": AccessLevel.INTERN,
         "units": "Amt 50"},
    )
    satzungen.refresh_from_db()
    assert satzungen.access_level == AccessLevel.INTERN
    # A Fachadmin keeps their own unit in, so they cannot lock themselves out.
    assert set(satzungen.unit_grants.values_list("unit", flat=True)) == {"Amt 50", "Amt 32"}
    client.force_login(staff_member)
    assert client.get(
        reverse("documents:collection_edit", args=[satzungen.pk])).status_code == 404
