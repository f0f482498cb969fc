"""REST API of the Formularerkennung: recognise a file (same JSON as the CLI),
submit it for review, list form types and committed records.

Gated like the web pages (``services.gate``): KI-Register entry, kill switch,
KI-Richtlinie; every lookup with the caller's tenant."""

from __future__ import annotations

from typing import Any

from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from aktenkundig.accounts.api import api_auth
from aktenkundig.accounts.services import tenant_of
from aktenkundig.forms import services
from aktenkundig.forms.models import FormType
from aktenkundig.forms.schema import FormError

router = Router(tags=["forms"], auth=api_auth)


class TypeOut(Schema):
    id: int
    name: str
    version: int
    fields: int


class SubmissionOut(Schema):
    id: int
    form: str
    version: int
    status: str


def _tenant(request):
    tenant = tenant_of(request.user)
    decision = services.gate(request.user, tenant)
    if not decision:
        raise HttpError(403, decision.reason)
    return tenant


def _read(upload: UploadedFile) -> bytes:
    if upload.size > services.MAX_UPLOAD:
        raise HttpError(413, "Die Datei ist zu groß (höchstens 30 MB).")
    return upload.read()


@router.get("/types", response=list[TypeOut], summary="Registered form types (newest versions)")
def types(request):
    tenant = _tenant(request)
    return [{"id": t.pk, "name": t.name, "version": t.version,
             "fields": len(t.schema["fields"])} for t in services.latest_types(tenant)]


@router.post("/extract", response=dict[str, Any],
             summary="Read a filled form (PDF, PNG, JPEG, TIFF): values, confidence, bbox")
def extract(request, file: File[UploadedFile], form: Form[str] = ""):
    tenant = _tenant(request)
    try:
        result, _form_type = services.extract(tenant, _read(file), form=form or None,
                                              user=request.user, channel="api")
    except FormError as error:
        raise HttpError(422, str(error)) from None
    return result.to_dict()


@router.post("/submissions", response={201: SubmissionOut},
             summary="Recognise a form and put it into the review queue")
def submit(request, file: File[UploadedFile], form: Form[str] = ""):
    tenant = _tenant(request)
    try:
        submission = services.submit(tenant, _read(file), filename=file.name or "",
                                     form=form or None, user=request.user, channel="api")
    except FormError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, {"id": submission.pk, "form": submission.form_type.name,
                        "version": submission.form_type.version, "status": submission.status})


@router.get("/types/{int:type_id}/records", response=list[dict[str, Any]],
            summary="Committed records of one form type (field names as in the form)")
def records(request, type_id: int):
    tenant = _tenant(request)
    form_type = FormType.objects.filter(tenant=tenant, pk=type_id).first()
    if form_type is None:
        raise HttpError(404, "Diesen Formulartyp gibt es nicht.")
    return [services.record(s) for s in services.committed(tenant, form_type)]
