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
from dataclasses import dataclass
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
             declaration: str | None = None, user: Any = None, title: str = ""
             ) -> tuple[FormType, bool]:
    """Register a blank PDF as form type ``name``.

    The schema comes from the PDF's AcroForm widgets, or, for a form without
    fields (a flat PDF of a paper form), from ``declaration`` (TOML). The blank
    PDF is kept either way: scans are registered against its rendering. A TOML
    declaration alone (no PDF) gives a type that reads filled PDFs only.
    ``overrides`` (TOML) corrects labels, kinds, required and adds rules.

    Returns (form type, created). The same files again are the same version;
    different ones under the same name are the next version.
    """
    name = name.strip()
    if not name or len(name) > 120:
        raise FormError("Bitte einen Namen für das Formular angeben (höchstens 120 Zeichen).")
    if declaration is not None:
        schema = from_toml(declaration)
        blank = data if data.startswith(b"%PDF") else b""
        if blank:
            from aktenkundig.forms.schema import _open

            reader = _open(blank)  # a readable PDF, its page sizes win
            schema.pages = [[float(p.mediabox.width), float(p.mediabox.height)]
                            for p in reader.pages]
        data = data + declaration.encode()
    elif data.startswith(b"%PDF"):
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


_TEMPLATES: dict[tuple[int, str], recognize.Template] = {}


def template(form_type: FormType) -> recognize.Template:
    """The recognition template, kept per process: rendering the blank (cleared and
    ticked) and its features costs about a second per page, every request again
    otherwise. Keyed by the stored file's hash: a changed form type is a new key."""
    key = (form_type.pk, form_type.sha256)
    cached = _TEMPLATES.get(key)
    if cached is None:
        if len(_TEMPLATES) > 32:
            _TEMPLATES.clear()
        cached = recognize.Template(form_type.name, form_type.version,
                                    Schema.from_dict(form_type.schema), bytes(form_type.blank))
        _TEMPLATES[key] = cached
    return cached


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
    if not data.startswith(b"%PDF") and _is_letter(data):
        return _extract_letter(tenant, data, types, form=form, user=user, channel=channel)
    usable = [t for t in types if t.blank]
    if types and not usable:
        raise FormError("Zu diesem Formular fehlt das leere PDF: eingereichte Formulare "
                        "lassen sich nicht damit vergleichen.")
    result = recognize.recognize(data, [template(t) for t in usable], expected=form)
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


# --- review and commit ---------------------------------------------------------------

REVIEW_DPI = 120


def _png(image) -> str:
    import base64
    import io

    from PIL import Image

    if not isinstance(image, Image.Image):
        image = Image.fromarray(image)
    scale = REVIEW_DPI / recognize.WORK_DPI
    image = image.convert("L").resize((int(image.width * scale), int(image.height * scale)))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


def page_images(result: recognize.Recognition, data: bytes) -> dict[str, str]:
    """PNG (base64) of every page, on the blank form's grid so the boxes line up:
    the registered scan, or the filled PDF page as rendered."""
    if result.images:
        return {str(page): _png(image) for page, image in result.images.items()}
    from aktenkundig.forms.fill import render_pages

    pages = set(result.pages)
    images = render_pages(data, recognize.WORK_DPI, pages=pages)
    return {str(page): _png(image) for page, image in zip(sorted(pages), images, strict=False)}


@transaction.atomic
def _is_letter(data: bytes) -> bool:
    """Plain text (a letter, an e-mail body), not an image."""
    if data[:8].startswith((b"\x89PNG", b"\xff\xd8", b"II*\x00", b"MM\x00*", b"GIF8")):
        return False
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data[:4096]


def _extract_letter(tenant: Tenant, data: bytes, types: list[FormType], *, form: str | None,
                    user: Any, channel: str) -> tuple[recognize.Recognition, FormType]:
    from aktenkundig.forms import letters

    if not form:
        raise FormError("Für einen Brief bitte das Formular angeben (--form), in dessen "
                        "Felder er übertragen werden soll.")
    form_type = types[0]
    started = time.perf_counter()
    result = letters.extract_letter(tenant, data.decode("utf-8", "replace"),
                                    template(form_type), user=user)
    audit.log_ai_interaction(
        tenant, feature=FEATURE, user=user, system_actor="" if user else channel,
        backend="llm", model="", input_text=hashlib.sha256(data).hexdigest(),
        output_text=audit.canonical_json(result.to_dict()),
        latency_ms=(time.perf_counter() - started) * 1000,
        extra={"form": result.form, "version": result.version, "source": "letter",
               "fields": sum(f.value not in (None, False) for f in result.fields.values()),
               "channel": channel},
    )
    return result, form_type


def submit(tenant: Tenant, data: bytes, *, filename: str = "", form: str | None = None,
           user: Any = None, channel: str = "web", inbox_item: Any = None) -> Submission:
    """Recognise and store a submission for review, with an oversight item: nothing
    recognised counts until a person has decided (governance.oversight)."""
    from aktenkundig.governance import oversight

    result, form_type = extract(tenant, data, form=form, user=user, channel=channel)
    if result.source == "llm":  # a letter: the review shows the blank form's pages
        result.pages = sorted({f.page for f in result.fields.values()})
        images = page_images(result, bytes(form_type.blank)) if form_type.blank else {}
    else:
        images = page_images(result, data)
    submission = Submission.objects.create(
        tenant=tenant, form_type=form_type, filename=filename[:255], source=result.source,
        original=data, result=result.to_dict(), page_images=images, inbox_item=inbox_item,
    )
    confidences = [f.confidence for f in result.fields.values()]
    submission.oversight_item = oversight.propose(
        tenant, FEATURE, suggestion={k: f.value for k, f in result.fields.items()},
        confidence=round(min(confidences, default=0.0), 3),
        evidence=[{"submission": submission.pk, "source": result.source}],
        case_ref=f"formular-{submission.pk}", subject=f"{form_type.name} v{form_type.version}",
        model_version="tesseract+opencv" if result.source == "scan" else "pypdf",
    )
    submission.save(update_fields=["oversight_item"])
    return submission


def get_submission(tenant: Tenant, pk: int) -> Submission:
    return Submission.objects.select_related("form_type", "oversight_item").get(
        tenant=tenant, pk=pk)


@dataclass
class ReviewRow:
    name: str
    label: str
    kind: str
    value: Any
    confidence: float
    sicher: bool
    page: int
    bbox: list[float]
    box: list[float]  # percent of the page: left, top, width, height
    valid: bool
    problem: str | None
    options: list[str]


def review_rows(submission: Submission) -> list[ReviewRow]:
    """The fields for the review page: invalid first, then least sure first."""
    schema = Schema.from_dict(submission.form_type.schema)
    fields = submission.result["fields"]
    rows = []
    for spec in schema.fields:
        item = fields.get(spec.name)
        if item is None:
            continue
        width, height = schema.pages[spec.page - 1]
        x0, y0, x1, y1 = spec.rect
        rows.append(ReviewRow(
            name=spec.name, label=spec.label, kind=spec.kind, value=item["value"],
            confidence=item["confidence"], sicher=item["confidence"] >= recognize.SICHER,
            page=spec.page, bbox=spec.rect,
            box=[round(100 * x0 / width, 3), round(100 * (height - y1) / height, 3),
                 round(100 * (x1 - x0) / width, 3), round(100 * (y1 - y0) / height, 3)],
            valid=item["valid"], problem=item["problem"],
            options=[o.value for o in spec.options] if spec.kind == "radio" else [],
        ))
    rows.sort(key=lambda r: (r.valid, r.sicher, r.confidence))
    return rows


class CommitProblems(ValueError):
    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def check_values(form_type: FormType, raw: dict[str, Any]) -> tuple[dict[str, Any],
                                                                     dict[str, str]]:
    """Normalise the values a person entered and check them like recognised ones."""
    from aktenkundig.forms import validate

    schema = Schema.from_dict(form_type.schema)
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in schema.fields:
        value = raw.get(spec.name)
        if spec.kind == "checkbox":
            value = bool(value) and value not in ("", "0", "false", "off")
        elif spec.kind == "radio":
            value = value or None
            if value is not None and value not in [o.value for o in spec.options]:
                problems[spec.name] = "Diese Antwort gibt es in dem Formular nicht."
        elif spec.kind == "signature":
            value = bool(value)
        else:
            value = str(value or "").strip()[:500]
        normalised, problem = validate.check_field(spec, value)
        if problem:
            problems[spec.name] = problem
        values[spec.name] = normalised if problem is None else value
    problems.update({k: v for k, v in validate.check_rules(schema, values).items()
                     if k not in problems})
    return values, problems


@transaction.atomic
def commit(submission: Submission, user: Any, raw: dict[str, Any], *, reason: str
           ) -> Submission:
    """A person's decision on a submission: the checked values become the record.

    Refused while a value is invalid (the problems come back per field), or when
    the submission was decided already. The decision goes through
    governance.oversight (reason required, audited, sampled for second review)."""
    from django.utils import timezone

    from aktenkundig.governance import oversight

    submission = Submission.objects.select_for_update().get(pk=submission.pk,
                                                            tenant=submission.tenant)
    if submission.status == Submission.Status.COMMITTED:
        raise oversight.OversightError("Dieses Formular ist schon übernommen.")
    values, problems = check_values(submission.form_type, raw)
    if problems:
        raise CommitProblems(problems)
    item = submission.oversight_item
    suggested = {k: v["value"] for k, v in submission.result["fields"].items()}
    if item is not None:
        if item.decide_first and item.own_assessment is None:
            oversight.record_own_assessment(item, user, values)
        accept = values == suggested
        oversight.decide(item, user, accept=accept, reason=reason,
                         final_value=None if accept else values)
    submission.values = values
    submission.status = Submission.Status.COMMITTED
    submission.committed_by = user
    submission.committed_at = timezone.now()
    submission.save(update_fields=["values", "status", "committed_by", "committed_at"])
    if submission.form_type.webhook_url:
        from aktenkundig.forms.tasks import deliver_task

        transaction.on_commit(lambda: deliver_task.enqueue(submission.pk))
    changed = sorted(k for k in values if values[k] != suggested.get(k))
    audit.log_human_action(submission.tenant, user=user, action="forms.commit",
                           feature=FEATURE, case_ref=f"formular-{submission.pk}",
                           details={"form": submission.form_type.name,
                                    "version": submission.form_type.version,
                                    "changed_fields": len(changed)})
    return submission


# --- output --------------------------------------------------------------------------


def record(submission: Submission) -> dict[str, Any]:
    """One committed record: the form's own field names, with labels."""
    schema = Schema.from_dict(submission.form_type.schema)
    return {
        "form": submission.form_type.name, "version": submission.form_type.version,
        "submission": submission.pk,
        "committed_at": submission.committed_at.isoformat() if submission.committed_at else None,
        "fields": {s.name: {"label": s.label, "value": (submission.values or {}).get(s.name)}
                   for s in schema.fields},
    }


def committed(tenant: Tenant, form_type: FormType):
    return Submission.objects.filter(tenant=tenant, form_type=form_type,
                                     status=Submission.Status.COMMITTED).order_by("pk")


def export_csv(tenant: Tenant, form_type: FormType) -> str:
    """All committed records of one form type (version) as CSV, one column per field."""
    import csv
    import io

    schema = Schema.from_dict(form_type.schema)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["submission", "committed_at"] + [s.name for s in schema.fields])
    for submission in committed(tenant, form_type):
        values = submission.values or {}
        row = []
        for spec in schema.fields:
            value = values.get(spec.name)
            row.append("ja" if value is True else "nein" if value is False else
                       "" if value is None else str(value))
        writer.writerow([submission.pk, submission.committed_at.isoformat(), *row])
    return out.getvalue()


def filled_pdf(submission: Submission) -> bytes:
    """The official form filled with the committed values (for the e-Akte)."""
    from aktenkundig.forms.fill import fill_pdf

    if not submission.form_type.blank:
        raise FormError("Für ein beschriebenes Formular ohne PDF gibt es kein ausgefülltes PDF.")
    return fill_pdf(bytes(submission.form_type.blank),
                    Schema.from_dict(submission.form_type.schema), submission.values or {})


# --- form types in the web ------------------------------------------------------------

KIND_LABELS = {
    "text": "Text", "date": "Datum", "iban": "IBAN", "bic": "BIC", "steuer_id": "Steuer-ID",
    "plz": "PLZ", "amount": "Betrag", "number": "Zahl", "checkbox": "Kästchen",
    "radio": "Auswahl", "signature": "Unterschrift",
}


def may_manage_types(user: Any) -> bool:
    from aktenkundig.accounts.models import Role
    from aktenkundig.accounts.services import has_role

    return has_role(user, Role.SUBJECT_ADMIN) or has_role(user, Role.ADMINISTRATOR)


@transaction.atomic
def update_fields(form_type: FormType, user: Any, changes: dict[str, dict[str, Any]]
                  ) -> FormType:
    """What the Fachadmin corrects after the automatic schema: label, kind, required,
    group per field. Boxes of checkboxes and radio groups keep their kind (their
    options come from the widgets); text kinds can be exchanged freely."""
    from aktenkundig.forms.schema import KINDS

    form_type = FormType.objects.select_for_update().get(pk=form_type.pk,
                                                         tenant=form_type.tenant)
    schema = Schema.from_dict(form_type.schema)
    by_name = schema.by_name()
    changed = 0
    for name, change in changes.items():
        spec = by_name.get(name)
        if spec is None:
            raise FormError(f"Feld {name!r} gibt es in diesem Formular nicht.")
        kind = change.get("kind", spec.kind)
        if kind not in KINDS:
            raise FormError(f"Unbekannte Feldart {kind!r}.")
        buttons = ("checkbox", "radio")
        if (kind in buttons) != (spec.kind in buttons):
            raise FormError(f"{spec.label}: Kästchen und Textfelder lassen sich nicht "
                            "ineinander umwandeln.")
        label = " ".join(str(change.get("label", spec.label)).split())[:300] or spec.label
        new = (label, kind, bool(change.get("required", spec.required)),
               str(change.get("group", spec.group))[:300])
        if new != (spec.label, spec.kind, spec.required, spec.group):
            spec.label, spec.kind, spec.required, spec.group = new
            changed += 1
    if changed:
        form_type.schema = schema.to_dict()
        form_type.save(update_fields=["schema"])
        audit.log_governance_event(form_type.tenant, user=user, action="forms.fields",
                                   feature=FEATURE, details={"form": form_type.name,
                                                             "version": form_type.version,
                                                             "changed_fields": changed})
    return form_type
