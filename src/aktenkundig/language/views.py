"""Pages of the language services: check (and simplify), glossary, translate, review.

Thin: the logic is in :mod:`aktenkundig.language.services`. The checker works for
every member without a gate (deterministic, offline). Simplifying and translating
go through the governance gate first; refused, or without a model, the page
still offers the checker and says why.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from aktenkundig.accounts.models import Role
from aktenkundig.core.models import AccessLevel
from aktenkundig.language import services
from aktenkundig.language import translation as tr
from aktenkundig.language.checker import KINDS, MAX_CHARS
from aktenkundig.language.models import GlossaryTerm, Segment, Translation, TranslationBatch
from aktenkundig.llm.gateway import LLMError, is_available
from aktenkundig.web.permissions import member_required
from aktenkundig.web.responses import attachment

GLOSSARY_ROLES = (Role.SUBJECT_ADMIN, Role.ADMINISTRATOR)
MAX_PAGE_CHARS = 50_000


def _can_edit_glossary(request) -> bool:
    return any(request.membership.has_role(r) for r in GLOSSARY_ROLES)


def _level(request, raw: str | None, default: int) -> int:
    """The data level a person declares for a text, at most their clearance."""
    try:
        level = int(raw) if raw not in (None, "") else default
        AccessLevel(level)
    except ValueError:
        level = default
    return min(level, request.membership.clearance)


def marked(text: str, findings) -> tuple[list[dict], list[dict]]:
    """Text chunks (plain or marked with the number of their finding) and the
    numbered findings. Sentence-length findings are listed, not marked, so that
    marks never overlap."""
    numbered = [{"n": i + 1, "label": KINDS[f.kind], **f.__dict__} for i, f in enumerate(findings)]
    chunks, pos = [], 0
    for item in numbered:
        if item["kind"] == "satzlaenge" or item["start"] < pos:
            continue
        if item["start"] > pos:
            chunks.append({"text": text[pos:item["start"]]})
        chunks.append({"text": text[item["start"]:item["end"]], "n": item["n"],
                       "kind": item["kind"], "label": item["label"]})
        pos = item["end"]
    if pos < len(text):
        chunks.append({"text": text[pos:]})
    return chunks, numbered


@require_http_methods(["GET", "POST"])
@member_required
def check(request):
    text = request.POST.get("text", "") if request.method == "POST" else ""
    level = request.POST.get("level", "einfach")
    context: dict = {"text": text, "level": level, "levels": services.LEVELS,
                     "max_chars": MAX_PAGE_CHARS, "access_levels": _access_levels(request),
                     "data_level": _level(request, request.POST.get("data_level"),
                                          AccessLevel.INTERN)}
    decision = services.gate(request.user, request.tenant)
    model = is_available(context["data_level"])
    context["simplify_refusal"] = (
        decision.reason if not decision else
        None if model else _("Es ist kein Sprachmodell für diese Schutzstufe eingerichtet. "
                             "Der Verständlichkeitscheck funktioniert trotzdem.")
    )
    if request.method == "POST" and text.strip():
        if len(text) > min(MAX_CHARS, MAX_PAGE_CHARS):
            messages.error(request, _("Der Text ist zu lang (höchstens %(n)s Zeichen).")
                           % {"n": MAX_PAGE_CHARS})
        else:
            report = services.check_text(text, request.tenant)
            context["report"] = report
            context["chunks"], context["findings"] = marked(text, report.findings)
            if request.POST.get("action") == "simplify":
                context["simplified"] = _simplify(request, text, level, context["data_level"])
    elif request.method == "POST":
        messages.error(request, _("Bitte fügen Sie einen Text ein."))
    return render(request, "language/check.html", context)


def _access_levels(request) -> list[tuple[int, str]]:
    return [(v, label) for v, label in AccessLevel.choices if v <= request.membership.clearance]


def _simplify(request, text: str, level: str, data_level: int):
    decision = services.gate(request.user, request.tenant, data_level)
    if not decision:
        messages.error(request, decision.reason)
        return None
    try:
        return services.simplify(text, tenant=request.tenant, level=level, user=request.user,
                                 data_level=data_level, channel="web")
    except (ValueError, LLMError) as error:
        messages.error(request, str(error))
        return None


@require_http_methods(["GET", "POST"])
@member_required
def glossary(request):
    can_edit = _can_edit_glossary(request)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        _save_term(request)
        return redirect("language:glossary")
    terms = GlossaryTerm.objects.filter(tenant=request.tenant)
    edit = None
    if request.GET.get("bearbeiten", "").isdigit():
        edit = get_object_or_404(terms, pk=int(request.GET["bearbeiten"]))
    return render(request, "language/glossary.html", {
        "terms": terms, "can_edit": can_edit, "edit": edit,
        "languages": [(c, n) for c, n in tr.LANGUAGES.items() if c != "de"],
    })


def _save_term(request) -> None:
    data = request.POST
    if data.get("delete", "").isdigit():
        GlossaryTerm.objects.filter(tenant=request.tenant, pk=int(data["delete"])).delete()
        messages.success(request, _("Der Begriff wurde gelöscht."))
        return
    term = data.get("term", "").strip()[:200]
    if not term:
        messages.error(request, _("Bitte geben Sie einen Begriff ein."))
        return
    translations = {c: data.get(f"tr_{c}", "").strip()[:300] for c in tr.LANGUAGES if c != "de"}
    values = {"term": term, "explanation": data.get("explanation", "").strip()[:2000],
              "keep": data.get("keep") == "on",
              "translations": {c: t for c, t in translations.items() if t}}
    try:
        if data.get("id", "").isdigit():
            item = get_object_or_404(GlossaryTerm, tenant=request.tenant, pk=int(data["id"]))
            for key, value in values.items():
                setattr(item, key, value)
            item.save()
        else:
            GlossaryTerm.objects.create(tenant=request.tenant, **values)
    except IntegrityError:
        messages.error(request, _("Diesen Begriff gibt es schon."))
        return
    messages.success(request, _("Der Begriff wurde gespeichert."))


@require_http_methods(["GET", "POST"])
@member_required
def translate(request):
    items = Translation.objects.filter(tenant=request.tenant,
                                       access_level__lte=request.membership.clearance)[:50]
    context = {"items": items, "languages": [(c, n) for c, n in tr.LANGUAGES.items()
                                             if c != "de"],
               "access_levels": _access_levels(request), "formats": (
                   ("text", _("Text")), ("html", "HTML"), ("markdown", "Markdown"))}
    decision = services.gate(request.user, request.tenant)
    context["refusal"] = None if decision else decision.reason
    if request.method == "POST" and decision:
        text = request.POST.get("text", "")
        target = request.POST.get("target", "")
        fmt = request.POST.get("fmt", "text")
        level = _level(request, request.POST.get("data_level"), AccessLevel.OFFEN)
        title = request.POST.get("title", "").strip() or text.strip()[:60]
        if not text.strip() or len(text) > MAX_PAGE_CHARS:
            messages.error(request, _("Bitte fügen Sie einen Text ein (höchstens %(n)s "
                                      "Zeichen).") % {"n": MAX_PAGE_CHARS})
        else:
            gate = services.gate(request.user, request.tenant, level)
            if not gate:
                messages.error(request, gate.reason)
            else:
                try:
                    result = services.translate(text, target=target, tenant=request.tenant,
                                                fmt=fmt, user=request.user, data_level=level,
                                                channel="web")
                except (ValueError, LLMError) as error:
                    messages.error(request, str(error))
                else:
                    item = services.create_review(result, tenant=request.tenant,
                                                  source_text=text, title=title, fmt=fmt,
                                                  user=request.user, data_level=level)
                    return redirect("language:review", pk=item.pk)
        context.update(text=text, target=target, fmt=fmt, title=title)
    return render(request, "language/translate.html", context,
                  status=200 if decision else 403)


def _translation(request, pk: int) -> Translation:
    item = Translation.objects.filter(tenant=request.tenant, pk=pk,
                                      access_level__lte=request.membership.clearance).first()
    if item is None:
        raise Http404
    return item


@require_http_methods(["GET"])
@member_required
def review(request, pk: int):
    item = _translation(request, pk)
    segments = list(item.segments.all())
    return render(request, "language/review.html", {
        "item": item, "segments": segments, "language": tr.LANGUAGES.get(item.target_lang),
        "all_approved": bool(segments) and all(s.approved for s in segments),
        "note": tr.MACHINE_NOTE,
    })


@require_POST
@member_required
def approve(request, pk: int, position: int):
    item = _translation(request, pk)
    segment = get_object_or_404(Segment, translation=item, position=position)
    try:
        services.approve_segment(segment, user=request.user,
                                 target=request.POST.get("target", segment.target)[:20_000])
    except ValueError as error:
        messages.error(request, str(error))
    return redirect(f"{item.get_absolute_url()}#abschnitt-{position}")


@require_POST
@member_required
def publish(request, pk: int):
    item = _translation(request, pk)
    try:
        services.publish(item, user=request.user)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Die Übersetzung ist veröffentlicht."))
    return redirect(item.get_absolute_url())


# --------------------------------------------------------------------------- batches


def _batch(request, pk: int) -> TranslationBatch:
    """A batch of the person's tenant whose collection they may still read."""
    from aktenkundig.accounts.services import readable_collections

    item = TranslationBatch.objects.filter(
        tenant=request.tenant, pk=pk,
        collection__in=readable_collections(request.user)).select_related("collection").first()
    if item is None:
        raise Http404
    return item


@require_http_methods(["GET", "POST"])
@member_required
def batches(request):
    from aktenkundig.accounts.services import readable_collections
    from aktenkundig.language import batch as batch_service

    collections = readable_collections(request.user).order_by("name")
    decision = services.gate(request.user, request.tenant)
    if request.method == "POST" and decision:
        collection = collections.filter(pk=request.POST.get("collection") or 0).first()
        if collection is None:
            messages.error(request, _("Bitte eine Sammlung wählen."))
        else:
            try:
                item = batch_service.start(request.tenant, request.user, collection,
                                           request.POST.getlist("targets"),
                                           title=request.POST.get("title", ""))
            except batch_service.BatchError as error:
                messages.error(request, str(error))
            else:
                return redirect("language:batch", pk=item.pk)
    return render(request, "language/batches.html", {
        "refusal": None if decision else decision.reason,
        "collections": collections,
        "languages": [(c, n) for c, n in tr.LANGUAGES.items() if c != "de"],
        "items": TranslationBatch.objects.filter(
            tenant=request.tenant, collection__in=collections)[:30],
    }, status=200 if decision else 403)


@require_http_methods(["GET"])
@member_required
def batch(request, pk: int):
    item = _batch(request, pk)
    pending = item.status in (TranslationBatch.Status.QUEUED, TranslationBatch.Status.RUNNING)
    translations = list(item.translations.filter(
        access_level__lte=request.membership.clearance).order_by("title", "target_lang"))
    for translation in translations:
        translation.language_name = tr.LANGUAGES.get(translation.target_lang,
                                                     translation.target_lang)
    languages = [(code, tr.LANGUAGES.get(code, code)) for code in item.targets]
    template = ("language/_batch_status.html" if request.headers.get("HX-Request")
                else "language/batch.html")
    return render(request, template, {
        "item": item, "pending": pending, "translations": translations,
        "languages": languages,
    })


@require_http_methods(["GET"])
@member_required
def batch_export(request, pk: int, target: str):
    from aktenkundig.language import batch as batch_service

    item = _batch(request, pk)
    if item.collection.access_level > request.membership.clearance:
        raise Http404
    try:
        body = batch_service.export(item, target, user=request.user)
    except batch_service.BatchError as error:
        raise Http404 from error
    return attachment(body, f"uebersetzung-{item.pk}-{target}.zip", "application/zip")


# --------------------------------------------------------------------------- drafts, summaries

SALUTATION_FORMS = (
    ("", gettext_lazy("Sehr geehrte Damen und Herren")), ("frau", gettext_lazy("Frau")),
    ("herr", gettext_lazy("Herr")), ("person", gettext_lazy("ohne Anrede (Guten Tag)")),
)


def _save_template(request, templates) -> None:
    """Subject admins edit the fixed parts of a template (same roles as the glossary)."""
    from aktenkundig.governance import audit
    from aktenkundig.language import drafts

    template = next((t for t in templates if str(t.pk) == request.POST.get("template")), None)
    if template is None:
        raise Http404
    body = request.POST.get("body", "")[:10_000]
    problems = drafts.template_problems(body)
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return
    template.body = body
    template.closing = request.POST.get("closing", template.closing).strip()[:200] or \
        template.closing
    template.guidance = request.POST.get("guidance", "")[:2000]
    template.save()
    audit.log_human_action(request.tenant, user=request.user, action="language.template_saved",
                           feature=services.FEATURE, details={"template": template.pk})
    messages.success(request, _("Die Vorlage ist gespeichert."))


@require_http_methods(["GET", "POST"])
@member_required
def draft(request):
    """A draft letter or Vermerk from a template, grounded in the person's documents."""
    from aktenkundig.language import drafts

    templates = drafts.ensure_templates(request.tenant)
    decision = services.gate(request.user, request.tenant)
    context = {"templates": templates, "forms": SALUTATION_FORMS, "result": None,
               "refusal": None if decision else decision.reason,
               "model_missing": not is_available(), "values": request.POST}
    context["can_edit"] = _can_edit_glossary(request)
    if request.method == "POST" and request.POST.get("action") == "save_template":
        if not context["can_edit"]:
            raise PermissionDenied
        _save_template(request, templates)
        return redirect("language:draft")
    if request.method == "POST" and decision and not context["model_missing"]:
        template = next((t for t in templates if str(t.pk) == request.POST.get("template")),
                        None)
        if template is None:
            messages.error(request, _("Bitte eine Vorlage wählen."))
        else:
            try:
                context["result"] = drafts.compose(
                    template, user=request.user, subject=request.POST.get("subject", ""),
                    instruction=request.POST.get("instruction", ""),
                    recipient_form=request.POST.get("form", ""),
                    recipient_name=request.POST.get("name", ""),
                    reference=request.POST.get("reference", ""),
                    sentences=_count(request.POST.get("sentences"), default=5, most=8))
            except (PermissionError, ValueError, LLMError) as error:
                messages.error(request, str(error))
    return render(request, "language/draft.html", context, status=200 if decision else 403)


def _count(raw: str | None, *, default: int, most: int) -> int:
    try:
        return min(max(int(raw or default), 1), most)
    except ValueError:
        return default


@require_http_methods(["GET", "POST"])
@member_required
def summary(request):
    """A summary of one document the person may read, every sentence with its source."""
    from aktenkundig.accounts.services import readable_collections
    from aktenkundig.documents.models import Document, DocumentStatus
    from aktenkundig.language.summary import STYLES, summarize

    documents = (Document.objects.filter(
        tenant=request.tenant, status=DocumentStatus.INDEXED,
        collection__in=readable_collections(request.user))
        .select_related("collection").order_by("title")[:500])
    decision = services.gate(request.user, request.tenant)
    context = {"documents": documents, "styles": list(STYLES), "result": None,
               "refusal": None if decision else decision.reason,
               "model_missing": not is_available(), "values": request.POST}
    if request.method == "POST" and decision and not context["model_missing"]:
        document = next((d for d in documents if str(d.pk) == request.POST.get("document")),
                        None)
        if document is None:
            messages.error(request, _("Bitte ein Dokument wählen."))
        else:
            try:
                context["result"] = summarize(
                    document, user=request.user, style=request.POST.get("style", "sachlich"),
                    sentences=_count(request.POST.get("sentences"), default=4, most=8))
                context["document"] = document
            except (PermissionError, ValueError, LLMError) as error:
                messages.error(request, str(error))
    return render(request, "language/summary.html", context, status=200 if decision else 403)
