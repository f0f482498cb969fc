"""Staff pages: upload, review, commit through governance.oversight, export, isolation."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aktenkundig.forms.models import Submission
from aktenkundig.forms.tests.conftest import VALUES, filled
from aktenkundig.governance.models import AuditRecord, Decision
from aktenkundig.testing.accounts import approve_assistant

pytestmark = pytest.mark.django_db


@pytest.fixture
def forms_on(tenant):
    approve_assistant(tenant, "forms")
    return tenant


def _upload(client, blank, sample_schema, values=None):
    data = filled(blank, sample_schema, values)
    return client.post(reverse("forms:index"), {
        "datei": SimpleUploadedFile("antrag.pdf", data, content_type="application/pdf"),
        "formular": "hundesteuer"})


def _fields(client, submission):
    """The form's inputs as the page shows them: name → value."""
    page = client.get(reverse("forms:review", args=[submission.pk])).content.decode()
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    form = soup.find("form", action=reverse("forms:commit", args=[submission.pk]))
    data = {}
    for element in form.find_all(["input", "select"]):
        name = element.get("name")
        if not name or name == "csrfmiddlewaretoken":
            continue
        if element.name == "select":
            chosen = element.find("option", selected=True)
            data[name] = chosen["value"] if chosen else ""
        elif element.get("type") == "checkbox":
            if element.has_attr("checked"):
                data[name] = "1"
        else:
            data[name] = element.get("value", "")
    return data


def test_refused_without_register_entry(client, staff_member, registered):
    client.force_login(staff_member)
    response = client.get(reverse("forms:index"))
    assert response.status_code == 403
    assert "nicht zur Verfügung" in response.content.decode()


def test_upload_review_commit(client, forms_on, staff_member, registered, blank, sample_schema):
    client.force_login(staff_member)
    response = _upload(client, blank, sample_schema)
    submission = Submission.objects.get(tenant=forms_on)
    assert response.status_code == 302
    assert response.url == reverse("forms:review", args=[submission.pk])
    page = client.get(response.url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "IBAN für den Lastschrifteinzug" in text and "DE89370400440532013000" in text
    assert 'class="forms-box' in text
    image = client.get(reverse("forms:page", args=[submission.pk, 1]))
    assert image["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"
    data = _fields(client, submission)
    data["f-Vorname"] = "Jana Maria"  # the person corrects one value
    # without a reason: refused by governance.oversight, nothing committed
    response = client.post(reverse("forms:commit", args=[submission.pk]), data, follow=True)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.OPEN
    assert "begründen" in response.content.decode()
    data["begruendung"] = "Mit dem Original verglichen."
    response = client.post(reverse("forms:commit", args=[submission.pk]), data)
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.COMMITTED
    assert submission.values["Vorname"] == "Jana Maria"
    assert submission.values["IBAN"] == "DE89370400440532013000"
    assert submission.values["KontoinhaberAndere"] is True
    assert submission.oversight_item.decision == Decision.OVERRIDDEN
    assert AuditRecord.objects.filter(tenant=forms_on, feature="forms", kind="human").exists()
    # output: CSV and JSON per form type, and the official form filled again
    export = client.get(reverse("forms:export", args=[registered.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(export.content.decode()), delimiter=";"))
    assert rows[0][2:] == [f.name for f in sample_schema.fields]
    assert rows[1][rows[0].index("Vorname")] == "Jana Maria"
    records = json.loads(client.get(reverse("forms:export", args=[registered.pk, "json"])).content)
    assert records[0]["fields"]["IBAN"] == {"label": "IBAN für den Lastschrifteinzug",
                                            "value": "DE89370400440532013000"}
    pdf = client.get(reverse("forms:filled", args=[submission.pk]))
    from aktenkundig.forms.recognize import acroform_values

    assert acroform_values(pdf.content)["Vorname"] == "Jana Maria"


def test_export_file_name_keeps_umlauts_and_quotes(client, forms_on, staff_member, registered,
                                                   blank, sample_schema):
    """A form type's name is typed by a person: „Änderung "Hund"“ must reach the browser
    as that name (RFC 6266 filename*), not as a broken header or a MIME-encoded word."""
    from urllib.parse import unquote

    registered.name = 'Änderung "Hund"'
    registered.save(update_fields=["name"])
    client.force_login(staff_member)
    export = client.get(reverse("forms:export", args=[registered.pk, "csv"]))
    header = export["Content-Disposition"]
    assert header.startswith("attachment; filename*=utf-8''")
    assert unquote(header.split("''", 1)[1]) == f'Änderung "Hund"-v{registered.version}.csv'


def test_invalid_values_block_commit(client, forms_on, staff_member, registered, blank,
                                     sample_schema):
    client.force_login(staff_member)
    _upload(client, blank, sample_schema)
    submission = Submission.objects.get(tenant=forms_on)
    data = _fields(client, submission)
    data.update({"f-IBAN": "DE89 3704 0044 0532 0130 01", "f-Kontoinhaber": "",
                 "begruendung": "Geprüft und korrigiert."})
    response = client.post(reverse("forms:commit", args=[submission.pk]), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Prüfziffer der IBAN" in text and "anderen Person" in text
    submission.refresh_from_db()
    assert submission.status == Submission.Status.OPEN


def test_wrong_form_clear_message(client, forms_on, staff_member, registered):
    client.force_login(staff_member)
    response = client.post(reverse("forms:index"), {
        "datei": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\nkaputt"), "formular": ""})
    assert response.status_code == 400
    assert "lesbares Bild" in response.content.decode()


def test_other_tenant_sees_nothing(client, forms_on, staff_member, stranger, other_tenant,
                                   registered, blank, sample_schema):
    client.force_login(staff_member)
    _upload(client, blank, sample_schema)
    submission = Submission.objects.get(tenant=forms_on)
    approve_assistant(other_tenant, "forms")
    client.force_login(stranger)
    for name, args in (("forms:review", [submission.pk]), ("forms:page", [submission.pk, 1]),
                       ("forms:export", [registered.pk, "csv"])):
        assert client.get(reverse(name, args=args)).status_code == 404
    response = client.post(reverse("forms:commit", args=[submission.pk]),
                           {"begruendung": "Fremder Zugriff."})
    assert response.status_code == 404
    assert "Schneider" not in client.get(reverse("forms:index")).content.decode()
    assert VALUES["Name"] == "Schneider"


def test_fachadmin_registers_and_corrects_fields(client, forms_on, subject_admin, staff_member,
                                                 blank):
    from aktenkundig.forms.models import FormType
    from aktenkundig.forms.schema import Schema
    from aktenkundig.forms.tests.test_schema import _xfa_only_pdf

    client.force_login(subject_admin)
    response = client.post(reverse("forms:add_type"), {
        "leer": SimpleUploadedFile("xfa.pdf", _xfa_only_pdf()), "name": "alt"}, follow=True)
    assert "reines XFA-Formular" in response.content.decode()
    response = client.post(reverse("forms:add_type"), {
        "leer": SimpleUploadedFile("hund.pdf", blank), "name": "Hundesteuer"})
    form_type = FormType.objects.get(tenant=forms_on, name="Hundesteuer")
    assert response.url == reverse("forms:type", args=[form_type.pk])
    page = client.get(response.url).content.decode()
    assert "IBAN für den Lastschrifteinzug" in page
    names = [f.name for f in Schema.from_dict(form_type.schema).fields]
    data = {}
    for index, name in enumerate(names):
        spec = Schema.from_dict(form_type.schema).by_name()[name]
        data[f"label-{index}"] = spec.label
        data[f"kind-{index}"] = spec.kind
        if spec.required:
            data[f"required-{index}"] = "1"
    anzahl = names.index("Anzahl")
    data[f"kind-{anzahl}"] = "number"
    data[f"label-{anzahl}"] = "Zahl der Hunde"
    client.post(reverse("forms:type", args=[form_type.pk]), data)
    form_type.refresh_from_db()
    spec = Schema.from_dict(form_type.schema).by_name()["Anzahl"]
    assert (spec.kind, spec.label, spec.required) == ("number", "Zahl der Hunde", True)
    data[f"kind-{names.index('Name')}"] = "checkbox"  # a text box cannot become a tick
    response = client.post(reverse("forms:type", args=[form_type.pk]), data, follow=True)
    assert "nicht ineinander umwandeln" in response.content.decode()
    client.force_login(staff_member)  # Beschäftigte read forms, they do not define them
    assert client.get(reverse("forms:type", args=[form_type.pk])).status_code == 403


@pytest.fixture
def _back_to_german():
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


def test_pages_in_english(client, forms_on, subject_admin, registered, blank, sample_schema,
                          _back_to_german):
    client.force_login(subject_admin)
    _upload(client, blank, sample_schema)
    submission = Submission.objects.get(tenant=forms_on)
    client.post("/sprache/", {"language": "en", "next": "/"})
    index = client.get(reverse("forms:index")).content.decode()
    assert "Form recognition" in index and "Register a new form" in index
    assert "Formularerkennung" not in index
    review = client.get(reverse("forms:review", args=[submission.pk])).content.decode()
    assert "Commit entries" in review and "Read from the form fields" in review
    fields = client.get(reverse("forms:type", args=[registered.pk])).content.decode()
    assert "Form fields" in fields and "Kind" in fields
