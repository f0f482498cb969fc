"""Who is knocking, and password spraying across usernames (issue #10, 8).

django-axes locks a (username, address) pair after five failures. Two gaps:

* behind a reverse proxy every request comes from the proxy's address, so one
  person's typos lock out everyone. :func:`client_ip` takes the address from
  the header the proxy sets (``AKTENKUNDIG_CLIENT_IP_HEADER``, e.g. X-Real-IP)
  when -- and only when -- the operator configured one; axes uses it too
  (``AXES_CLIENT_IP_CALLABLE``);
* an attacker trying one common password on many usernames never makes five
  failures on one pair. :class:`SprayGuardBackend` (first in
  ``AUTHENTICATION_BACKENDS``) refuses every login from an address with too many
  failures across usernames, and every login to a username with too many
  failures across addresses (``AKTENKUNDIG_LOGIN_RATE_IP`` / ``_USER``), counted
  in the shared cache so that the limits hold across workers.
"""

from __future__ import annotations

import hashlib
import time

from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from aktenkundig import config


def client_ip(request) -> str:
    header = (config.get("AKTENKUNDIG_CLIENT_IP_HEADER").strip()
              or config.get("AKTENKUNDIG_CITIZEN_CLIENT_IP_HEADER").strip())
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        first = value.split(",")[0].strip()
        if first:
            return first
    return request.META.get("REMOTE_ADDR", "")


def _rate(name: str) -> tuple[int, int]:
    count, _, seconds = config.get(name).partition("/")
    return int(count), int(seconds or 900)


def _key(kind: str, value: str, seconds: int) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-fail:{kind}:{digest}:{int(time.time() // seconds)}"


def _checks(request, username: str | None) -> list[tuple[str, int]]:
    ip_count, ip_seconds = _rate("AKTENKUNDIG_LOGIN_RATE_IP")
    user_count, user_seconds = _rate("AKTENKUNDIG_LOGIN_RATE_USER")
    checks = []
    if request is not None and ip_count > 0:
        checks.append((_key("ip", client_ip(request), ip_seconds), ip_count))
    if username and user_count > 0:
        checks.append((_key("user", username, user_seconds), user_count))
    return checks


def blocked(request, username: str | None) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _checks(request, username))


class SprayGuardBackend:
    """Authenticates nobody; refuses (PermissionDenied stops Django's backend loop)
    when the address or the username has failed too often across the other."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if blocked(request, username):
            raise PermissionDenied("Zu viele fehlgeschlagene Anmeldungen.")
        return None
    # No get_user(): this backend never logs anybody in, and sessions (and the test
    # client's force_login) must not pick it as the user's backend.


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username")
    for key, _limit in _checks(request, username):
        seconds = _rate("AKTENKUNDIG_LOGIN_RATE_IP" if ":ip:" in key
                        else "AKTENKUNDIG_LOGIN_RATE_USER")[1]
        if not cache.add(key, 1, timeout=seconds + 1):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=seconds + 1)
