"""Ends a web session after a period without activity (BSI IT-Grundschutz ORP.4)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

_KEY = "aktenkundig_last_activity"


class SessionIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(_KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                login = reverse(settings.LOGIN_URL)
                return redirect(f"{login}?{urlencode({'abgelaufen': 1, 'next': request.path})}")
            # Write at most once a minute, not on every request.
            if last is None or now - int(last) >= 60:
                request.session[_KEY] = now
        return self.get_response(request)
