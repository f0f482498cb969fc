"""Navigation shown in the base template, depending on the user's roles."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aktenkundig.accounts.services import (
    can_manage_documents,
    can_see_feedback,
    has_role,
    membership_of,
)
from aktenkundig.citizen.permissions import staff_pages as citizen_staff_pages


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = membership_of(user)
    items = [
        (_("Fragen"), reverse("assistant:ask")),
        (_("Dokumente"), reverse("documents:library")),
        (_("Verlauf"), reverse("history:list")),
    ]
    if can_see_feedback(user):
        items.append((_("Rückmeldungen"), reverse("history:feedback_list")))
    citizen_pages = citizen_staff_pages(user)
    if citizen_pages:
        items.append((_("Bürger-Chat"), reverse(citizen_pages[0])))
    if has_role(user, "administrator") or can_manage_documents(user) or user.is_staff:
        items.append((_("Verwaltung"), reverse("web:overview")))
    items.append((_("Konto"), reverse("accounts:profile")))
    path = request.path
    nav_items = [
        {"label": label, "url": url, "current": path == url or path.startswith(url)}
        for label, url in items
    ]
    return {"nav_items": nav_items, "nav_tenant": membership.tenant if membership else None}
