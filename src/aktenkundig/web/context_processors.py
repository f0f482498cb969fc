"""Navigation shown in the base template, depending on the user's roles."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import (
    can_manage_documents,
    can_see_feedback,
    has_role,
    membership_of,
)
from aktenkundig.citizen.permissions import staff_pages as citizen_staff_pages
from aktenkundig.governance.auditlog import AUDIT_LOG_ROLES
from aktenkundig.governance.policy import feature_enabled

# KI-Governance pages: (label, URL name, roles that may open the page; empty: every
# member). The roles mirror the checks in governance.views.
GOVERNANCE_ITEMS = (
    (_("KI-Register"), "governance:manage_register",
     (Role.SUBJECT_ADMIN, Role.DATA_PROTECTION, Role.AI_OFFICER)),
    (_("Schulung"), "governance:training", ()),
    (_("Aufsicht"), "governance:dashboard", (Role.AI_OFFICER, Role.AUDIT, Role.DATA_PROTECTION)),
    (_("Schalter"), "governance:switches", (Role.ADMINISTRATOR, Role.AI_OFFICER)),
    (_("Protokoll"), "governance:audit_log", AUDIT_LOG_ROLES),
)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = membership_of(user)
    items = [
        (_("Fragen"), reverse("assistant:ask")),
        (_("Dokumente"), reverse("documents:library")),
        (_("Verlauf"), reverse("history:list")),
        (_("Sprachdienste"), reverse("language:check")),
        (_("Posteingang"), reverse("inbox:queue")),
        (_("Untertitel"), reverse("speech:index")),
    ]
    if can_see_feedback(user):
        items.append((_("Rückmeldungen"), reverse("history:feedback_list")))
    citizen_pages = citizen_staff_pages(user)
    if citizen_pages:
        items.append((_("Bürger-Chat"), reverse(citizen_pages[0])))
    if membership is not None and feature_enabled(membership.tenant, "speech_live"):
        items.append((_("Live-Untertitel"), reverse("speech:live_index")))
    if membership is not None and feature_enabled(membership.tenant, "forms"):
        items.append((_("Formulare"), reverse("forms:index")))
    if has_role(user, "administrator") or can_manage_documents(user) or user.is_staff:
        items.append((_("Verwaltung"), reverse("web:overview")))
    if membership is not None:
        items.extend(
            (label, reverse(name))
            for label, name, roles in GOVERNANCE_ITEMS
            if not roles or any(membership.has_role(role) for role in roles)
        )
    items.append((_("Konto"), reverse("accounts:profile")))
    path = request.path
    # The longest matching entry is the current one ("/untertitel/live/" is not
    # also "/untertitel/").
    matches = [url for _label, url in items if path == url or path.startswith(url)]
    current = max(matches, key=len) if matches else None
    nav_items = [
        {"label": label, "url": url, "current": url == current}
        for label, url in items
    ]
    return {"nav_items": nav_items, "nav_tenant": membership.tenant if membership else None}
