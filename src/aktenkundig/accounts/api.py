"""Authentication for the REST API: a personal token, or the browser session.

``Authorization: Bearer akt_...`` authenticates as the token's owner with exactly
that person's rights. The session (with CSRF protection) lets the web UI call
the same endpoints.
"""

from __future__ import annotations

from ninja import Router
from ninja.security import HttpBearer, SessionAuth

from aktenkundig.accounts.services import membership_of, user_for_token

router = Router(tags=["accounts"])


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = user_for_token(token)
        # A person without a tenant may see nothing: treat them as not signed in.
        if user is None or membership_of(user) is None:
            return None
        request.user = user
        return user


class MemberSessionAuth(SessionAuth):
    """The browser session (CSRF-protected), for members of a tenant only."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None or membership_of(user) is None:
            return None
        return user


token_auth = TokenAuth()
#: Use as ``auth=api_auth`` on every endpoint that needs a signed-in person.
api_auth = [token_auth, MemberSessionAuth()]


@router.get("/me", auth=api_auth, summary="Who am I (tenant, roles, unit)")
def me(request):
    membership = membership_of(request.user)
    return {
        "username": request.user.get_username(),
        "tenant": membership.tenant.slug if membership else None,
        "roles": membership.roles if membership else [],
        "unit": membership.unit if membership else "",
    }
