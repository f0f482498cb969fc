"""Registering form types and recognising submissions for a tenant.

Every function takes the tenant and filters by it: a form type or submission
of another tenant is "not found", never visible. The web and API go through
:func:`gate` first (KI-Register entry ``forms``, kill switch, KI-Richtlinie);
the operator CLI is audited but not gated, like ``ask`` (see assistant.governed).
"""

from __future__ import annotations

import hashlib
import time
import tomllib
from typing import Any

from django.db import transaction

from aktenkundig.core.models import Tenant
from aktenkundig.forms import recognize
from aktenkundig.forms.models import FormType, Submission
from aktenkundig.forms.schema import FormError, Schema, apply_overrides, from_pdf, from_toml
from aktenkundig.governance import audit
from aktenkundig.governance.policy import Decision, check_feature

FEATURE = "forms"
MAX_UPLOAD = 30 * 1024 * 1024


def gate(user: Any, tenant: Tenant) -> Decision:
    return check_feature(user, tenant, FEATURE)


@transaction.atomic
def register(tenant: Tenant, name: str, data: bytes, *, overrides: str | None = None,
             user: Any = None, title: str = "") -> tuple[FormType, bool]:
    """Register a blank PDF (or a TOML declaration) as form type ``name``.

    Returns (form type, created). The same blank file again is the same version;
    a different file under the same name is the next version.
    """
    name = name.strip()
    if not name or len(name) > 120:
        raise FormError("Bitte einen Namen für das Formular angeben (höchstens 120 Zeichen).")
    if data.startswith(b"%PDF"):
        schema = from_pdf(data)
        blank = data
    else:
        try:
            schema = from_toml(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise FormError("Bitte ein PDF-Formular oder eine TOML-Beschreibung angeben.") \
                from None
        blank = b""
    if overrides:
        try:
            schema = apply_overrides(schema, tomllib.loads(overrides))
        except tomllib.TOMLDecodeError as error:
            raise FormError(f"Die Regeldatei ist kein gültiges TOML: {error}") from None
    digest = hashlib.sha256(data + (overrides or "").encode()).hexdigest()
    latest = (FormType.objects.select_for_update().filter(tenant=tenant, name=name)
              .order_by("-version").first())
    if latest is not None and latest.sha256 == digest:
        return latest, False
    form_type = FormType.objects.create(
        tenant=tenant, name=name, version=(latest.version + 1) if latest else 1,
        title=title or name, schema=schema.to_dict(), blank=blank, sha256=digest,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit.log_governance_event(
        tenant, user=user, action="forms.register", feature=FEATURE,
        details={"form": name, "version": form_type.version, "fields": len(schema.fields)})
    return form_type, True


def template(form_type: FormType) -> recognize.Template:
    return recognize.Template(form_type.name, form_type.version,
                              Schema.from_dict(form_type.schema), bytes(form_type.blank))


def latest_types(tenant: Tenant, name: str | None = None) -> list[FormType]:
    """The newest version of each of the tenant's form types (or of ``name``)."""
    queryset = FormType.objects.filter(tenant=tenant)
    if name:
        queryset = queryset.filter(name=name)
    latest: dict[str, FormType] = {}
    for form_type in queryset.order_by("name", "-version"):
        latest.setdefault(form_type.name, form_type)
    if name and not latest:
        raise FormError(f"Ein Formular „{name}“ ist nicht registriert.")
    return list(latest.values())


def extract(tenant: Tenant, data: bytes, *, form: str | None = None, user: Any = None,
            channel: str = "cli") -> tuple[recognize.Recognition, FormType]:
    """Recognise one file; audited (hash of the file and of the result only)."""
    if len(data) > MAX_UPLOAD:
        raise FormError(f"Die Datei ist zu groß (höchstens {MAX_UPLOAD >> 20} MB).")
    types = latest_types(tenant, form)
    by_key = {(t.name, t.version): t for t in types}
    started = time.perf_counter()
    result = recognize.recognize(data, [template(t) for t in types if t.blank or
                                        not data.startswith(b"%PDF")], expected=form)
    form_type = by_key[(result.form, result.version)]
    sicher = sum(f.confidence >= recognize.SICHER for f in result.fields.values())
    audit.log_ai_interaction(
        tenant, feature=FEATURE, user=user, system_actor="" if user else channel,
        backend=result.source, model="tesseract+opencv" if result.source == "scan" else "pypdf",
        input_text=hashlib.sha256(data).hexdigest(),
        output_text=audit.canonical_json(result.to_dict()),
        latency_ms=(time.perf_counter() - started) * 1000,
        extra={"form": result.form, "version": result.version,
               "fields": len(result.fields), "sicher": sicher, "channel": channel},
    )
    return result, form_type


def submit(tenant: Tenant, data: bytes, *, filename: str = "", form: str | None = None,
           user: Any = None, channel: str = "web") -> Submission:
    """Recognise and store a submission for review (with the page images of scans)."""
    result, form_type = extract(tenant, data, form=form, user=user, channel=channel)
    return Submission.objects.create(
        tenant=tenant, form_type=form_type, filename=filename[:255], source=result.source,
        original=data, result=result.to_dict(),
    )
