"""Governance pages. Domain logic is in the service modules; views only translate.

Public (no login): the tenant's AI register, its entries' published versions,
JSON and CSV exports. Everything else requires a tenant membership and scopes
every query to the user's tenant (404 for other tenants' objects).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import NoTenant, can_see_feedback, membership_of, tenant_of
from aktenkundig.core.models import Tenant
from aktenkundig.governance import auditlog, literacy, oversight, policy, register, risk
from aktenkundig.governance.features import FEATURES
from aktenkundig.governance.forms import (
    DecisionForm,
    KillForm,
    OwnAssessmentForm,
    PolicyForm,
    QuizForm,
    RegisterEntryForm,
    RiskQuestionnaireForm,
    SecondReviewForm,
)
from aktenkundig.governance.models import OversightItem, RegisterEntry
from aktenkundig.web.responses import attachment

USAGE_DAYS = 30

# --------------------------------------------------------------------------- public


def _public_tenant(slug: str) -> Tenant:
    return get_object_or_404(Tenant, slug=slug)


def public_register(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    tenant = _public_tenant(tenant_slug)
    versions = register.published_versions(tenant)
    rows = [(v, register.review_due(v),
             register.display_value("next_review_date", v.data.get("next_review_date")))
            for v in versions]
    return render(request, "governance/public_register.html",
                  {"tenant": tenant, "rows": rows})


def public_entry(request: HttpRequest, tenant_slug: str, entry_slug: str) -> HttpResponse:
    tenant = _public_tenant(tenant_slug)
    entry = get_object_or_404(RegisterEntry, tenant=tenant, slug=entry_slug,
                              published__isnull=False)
    current = entry.published
    fields = [
        (RegisterEntry._meta.get_field(name).verbose_name,
         register.display_value(name, current.data.get(name)) or "—")
        for name, _export in register.EXPORT_FIELDS
    ]
    return render(request, "governance/public_entry.html", {
        "tenant": tenant, "entry": entry, "version": current, "fields": fields,
        "history": entry.versions.order_by("-number"),
        "review_due": register.review_due(current),
    })


def public_export_json(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    tenant = _public_tenant(tenant_slug)
    body = json.dumps(register.export_json(tenant), ensure_ascii=False, indent=2)
    return attachment(body, f"ki-register-{tenant.slug}.json", "application/json", inline=True)


def public_export_csv(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    tenant = _public_tenant(tenant_slug)
    return attachment(register.export_csv(tenant), f"ki-register-{tenant.slug}.csv", "text/csv")


# --------------------------------------------------------------------------- staff


def _tenant(request: HttpRequest) -> Tenant:
    try:
        return tenant_of(request.user)
    except NoTenant as error:
        raise PermissionDenied(str(error)) from None


def _require(request: HttpRequest, *roles: Role) -> Tenant:
    tenant = _tenant(request)
    membership = membership_of(request.user)
    if roles and not any(membership.has_role(role) for role in roles):
        raise PermissionDenied(_("Dafür fehlt Ihnen die Berechtigung."))
    return tenant


@login_required
def manage_register(request: HttpRequest) -> HttpResponse:
    tenant = _require(request, *register.EDITOR_ROLES)
    entries = RegisterEntry.objects.filter(tenant=tenant).select_related("published")
    overdue = {e.pk for e in register.overdue_entries(tenant)}
    return render(request, "governance/manage_register.html", {
        "tenant": tenant, "entries": entries, "overdue": overdue,
        "can_approve": register.can_approve(request.user, tenant),
    })


@login_required
@require_http_methods(["GET", "POST"])
def edit_entry(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _require(request, *register.EDITOR_ROLES)
    entry = get_object_or_404(RegisterEntry, pk=pk, tenant=tenant)
    form = RegisterEntryForm(request.POST or None, instance=RegisterEntry.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid() and not form.has_changed():
        # Nothing changed: the entry keeps its state (an approved entry stays approved)
        # and nobody becomes an editor who would then be barred from approving it.
        messages.info(request, _("Keine Änderungen – der Eintrag bleibt, wie er ist."))
        return redirect("governance:edit_entry", pk=entry.pk)
    if request.method == "POST" and form.is_valid():
        try:
            register.update_entry(entry, request.user, **{
                name: form.cleaned_data[name] for name in form.changed_data
            })
        except (register.RegisterError, PermissionError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Entwurf gespeichert."))
            return redirect("governance:edit_entry", pk=entry.pk)
    return render(request, "governance/edit_entry.html", {
        "tenant": tenant, "entry": entry, "form": form,
        "blockers": register.approval_blockers(entry),
        "can_approve": register.can_approve(request.user, tenant)
        and request.user.pk not in entry.editors and entry.submitted_by_id != request.user.pk,
        "versions": entry.versions.order_by("-number"),
    })


@login_required
@require_POST
def entry_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    tenant = _tenant(request)
    entry = get_object_or_404(RegisterEntry, pk=pk, tenant=tenant)
    try:
        if action == "submit":
            register.submit(entry, request.user)
            messages.success(request, _("Zur Freigabe vorgelegt."))
        elif action == "approve":
            version = register.approve(entry, request.user)
            messages.success(request, _("Freigegeben und veröffentlicht als Fassung %(n)s.")
                             % {"n": version.number})
        elif action == "send-back":
            register.send_back(entry, request.user, request.POST.get("reason", ""))
            messages.success(request, _("Zur Überarbeitung zurückgegeben."))
        else:
            raise Http404
    except register.RegisterPermissionError as error:
        raise PermissionDenied(str(error)) from None
    except register.RegisterError as error:
        messages.error(request, str(error))
    return redirect("governance:edit_entry", pk=entry.pk)


@login_required
@require_http_methods(["GET", "POST"])
def risk_questionnaire(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _require(request, *register.EDITOR_ROLES)
    entry = get_object_or_404(RegisterEntry, pk=pk, tenant=tenant)
    form = RiskQuestionnaireForm(request.POST or None, initial_answers=entry.risk_answers)
    result = None
    if request.method == "POST" and form.is_valid():
        result = register.apply_questionnaire(entry, request.user, form.cleaned_data)
        messages.success(request, _("Risikoklasse vorgeschlagen und im Eintrag gespeichert."))
    return render(request, "governance/risk.html", {
        "tenant": tenant, "entry": entry, "form": form, "result": result,
        "dates": sorted(risk.legal_dates().items(), key=lambda item: item[1]),
    })


@login_required
@require_http_methods(["GET", "POST"])
def switches(request: HttpRequest) -> HttpResponse:
    """Kill switches. A feature without an approved KI-Register entry is off anyway;
    it gets no "switch off" button (which suggested it was on) but a link to its entry."""
    tenant = _require(request, Role.ADMINISTRATOR, Role.AI_OFFICER)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        feature = request.POST.get("feature", "")
        if feature not in FEATURES:
            raise Http404
        if request.POST.get("action") == "restore":
            policy.restore(tenant, feature, request.user)
            messages.success(request, _("Funktion wieder eingeschaltet."))
            return redirect("governance:switches")
        form = KillForm(request.POST)
        if form.is_valid():
            policy.kill(tenant, feature, request.user, reason=form.cleaned_data["reason"])
            messages.warning(request, _("Funktion sofort abgeschaltet."))
            return redirect("governance:switches")
        errors[feature] = form.errors["reason"]
    register.ensure_default_entries(tenant)
    entries = {e.feature: e for e in RegisterEntry.objects.filter(tenant=tenant)
               .exclude(feature="")}
    rows = []
    for key, spec in FEATURES.items():
        rule = policy.get_policy(tenant, key)
        rows.append({
            "spec": spec, "rule": rule, "state": policy.feature_enabled(tenant, key),
            "approved": register.feature_approved(tenant, key), "entry": entries.get(key),
            "errors": errors.get(key, []),
        })
    status = 400 if errors else 200
    return render(request, "governance/switches.html", {
        "tenant": tenant, "rows": rows, "history": auditlog.switch_history(tenant),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_policy(request: HttpRequest, feature: str) -> HttpResponse:
    """The KI-Richtlinie for one feature (KI-Beauftragte)."""
    tenant = _require(request, Role.AI_OFFICER)
    if feature not in FEATURES:
        raise Http404
    current = policy.get_policy(tenant, feature)
    form = PolicyForm(request.POST or None, instance=policy.get_policy(tenant, feature))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            policy.update_policy(tenant, feature, request.user, **changes)
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("KI-Richtlinie gespeichert."))
            return redirect("governance:edit_policy", feature=feature)
    return render(request, "governance/policy.html", {
        "tenant": tenant, "feature": FEATURES[feature], "form": form, "policy": current,
    })


@login_required
@require_http_methods(["GET", "POST"])
def oversight_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide on one AI suggestion (decide-first: own assessment before reveal)."""
    tenant = _tenant(request)
    item = get_object_or_404(OversightItem, pk=pk, tenant=tenant)
    decision = policy.check_feature(request.user, tenant, item.feature)
    if not decision:
        return render(request, "governance/feature_refused.html",
                      {"decision": decision, "feature": FEATURES.get(item.feature)}, status=403)
    assessment_form = OwnAssessmentForm(prefix="own")
    decision_form = DecisionForm(prefix="dec")
    if request.method == "POST":
        try:
            if request.POST.get("step") == "own":
                assessment_form = OwnAssessmentForm(request.POST, prefix="own")
                if assessment_form.is_valid():
                    oversight.record_own_assessment(
                        item, request.user, assessment_form.cleaned_data["assessment"])
                    return redirect("governance:oversight_item", pk=item.pk)
            else:
                decision_form = DecisionForm(request.POST, prefix="dec")
                if decision_form.is_valid():
                    data = decision_form.cleaned_data
                    oversight.decide(item, request.user, accept=data["decision"] == "accept",
                                     reason=data["reason"], final_value=data["final_value"])
                    messages.success(request, _("Entscheidung gespeichert."))
                    return redirect("governance:oversight_item", pk=item.pk)
        except oversight.OversightError as error:
            messages.error(request, str(error))
        item.refresh_from_db()
    view = oversight.presented(item, request.user)
    return render(request, "governance/oversight_item.html", {
        "tenant": tenant, "item": item, "view": view, "feature": FEATURES[item.feature],
        "assessment_form": assessment_form, "decision_form": decision_form,
        "evidence": [e if isinstance(e, str) else json.dumps(e, ensure_ascii=False)
                     for e in view["evidence"]],
    })


@login_required
@require_http_methods(["GET", "POST"])
def second_review(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    item = get_object_or_404(OversightItem, pk=pk, tenant=tenant)
    try:
        view = oversight.blind_view(item, request.user)
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    except oversight.OversightError as error:
        messages.info(request, str(error))
        return redirect("governance:dashboard" if register.can_approve(request.user, tenant)
                        else "governance:training")
    form = SecondReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            oversight.record_second_review(item, request.user, **form.cleaned_data)
        except oversight.OversightError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Zweitprüfung gespeichert."))
            return redirect("governance:second_review_queue")
    return render(request, "governance/second_review.html",
                  {"tenant": tenant, "view": view, "form": form})


@login_required
def second_review_queue(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    return render(request, "governance/second_review_queue.html", {
        "tenant": tenant, "items": oversight.second_review_queue(tenant, request.user),
    })


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    tenant = _require(request, Role.AI_OFFICER, Role.AUDIT, Role.DATA_PROTECTION)
    return render(request, "governance/dashboard.html", {
        "tenant": tenant,
        "rows": oversight.dashboard(tenant),
        "alerts": oversight.alerts(tenant),
        "features": FEATURES,
        "modules": literacy.modules(get_language()),
        "literacy": literacy.report(tenant),
        "overdue": register.overdue_entries(tenant),
        "usage": auditlog.usage(tenant, days=USAGE_DAYS),
        "usage_days": USAGE_DAYS,
        "can_read_log": auditlog.can_view(request.user, tenant),
        "can_see_feedback": can_see_feedback(request.user),
    })


@login_required
def training(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    held = literacy.valid_modules(request.user, tenant)
    return render(request, "governance/training.html", {
        "tenant": tenant,
        "modules": [(m, m.slug in held) for m in literacy.modules(get_language())],
    })


@login_required
@require_http_methods(["GET", "POST"])
def training_module(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant(request)
    try:
        # Shown in the interface language; graded against the German module (same
        # slug, version and answers, checked when the translation is loaded).
        module = literacy.get_module(slug, get_language())
    except literacy.LiteracyError:
        raise Http404 from None
    form = QuizForm(module, request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result, _completion = literacy.submit_quiz(request.user, tenant, slug, form.answers())
        form.mark_wrong(module, result.wrong)
        if result.passed:
            messages.success(request, _("Bestanden – das Modul ist in Ihrem KI-Führerschein "
                                        "eingetragen."))
        else:
            messages.error(request, _("Leider nicht bestanden. Lesen Sie die Erläuterungen und "
                                      "versuchen Sie es noch einmal."))
    wrong = [(i + 1, module.quiz[i], form[f"q{i}"].auto_id)
             for i in (result.wrong if result else ())]
    return render(request, "governance/training_module.html", {
        "tenant": tenant, "module": module, "content": literacy.render(module, tenant),
        "form": form, "result": result, "wrong": wrong,
        # Set when the module has no translation into the interface language.
        "module_lang": "" if literacy.has_language(module, get_language()) else module.language,
    })


@login_required
@require_http_methods(["GET", "POST"])
def audit_log(request: HttpRequest) -> HttpResponse:
    """The tenant's audit log, newest first, redacted (see governance.auditlog); POST
    runs the chain check of ``aktenkundig audit verify``."""
    tenant = _require(request, *auditlog.AUDIT_LOG_ROLES)
    kind = request.GET.get("art", "")
    feature = request.GET.get("funktion", "")
    if kind and kind not in auditlog.KIND_LABELS:
        kind = ""
    if feature and feature not in FEATURES:
        feature = ""
    try:
        before = int(request.GET["vor"]) if request.GET.get("vor") else None
    except ValueError:
        before = None
    verification = auditlog.verify(tenant) if request.method == "POST" else None
    page = auditlog.entries(tenant, before=before, kind=kind, feature=feature)
    return render(request, "governance/audit_log.html", {
        "tenant": tenant, "page": page, "verification": verification,
        "kind": kind, "feature": feature, "kinds": auditlog.KIND_LABELS.items(),
        "features": [(key, spec.name) for key, spec in FEATURES.items()],
        "before": before,
    })

