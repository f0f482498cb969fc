"""View helpers shared by every app's web layer: login plus tenant membership."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from aktenkundig.accounts.services import membership_of


def member_required(view):
    """Logged in and member of a tenant; ``request.tenant`` is set for the view."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = membership_of(request.user)
        if membership is None:
            raise PermissionDenied("Dieses Konto gehört zu keiner Behörde.")
        request.tenant = membership.tenant
        request.membership = membership
        return view(request, *args, **kwargs)

    return wrapper
