"""Sign-in, sign-out and the personal account page with API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aktenkundig.accounts.models import ApiToken
from aktenkundig.accounts.services import create_api_token, membership_of, revoke_api_token


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["expired"] = "abgelaufen" in self.request.GET
        return context


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def profile(request):
    new_token = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            messages.error(request, _("Bitte geben Sie dem Schlüssel eine Bezeichnung."))
        else:
            _token, new_token = create_api_token(request.user, name)
    return render(
        request,
        "accounts/profile.html",
        {
            "membership": membership_of(request.user),
            "tokens": ApiToken.objects.filter(user=request.user),
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def revoke_token(request, token_id: int):
    if revoke_api_token(request.user, token_id):
        messages.success(request, _("Der API-Schlüssel wurde widerrufen."))
    return redirect("accounts:profile")
