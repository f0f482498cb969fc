"""The privacy layer inside the LLM gateway (``aktenkundig.llm.gateway``).

Registered in ``PrivacyConfig.ready()``, so it applies to every language-model
call of every app:

* ``before``: re-checks the routing decision against the data level (defence in
  depth: :func:`routing.route`), then pseudonymises every message per
  conversation (the tenant's policy decides: pseudonymise, redact, or off for
  offen data on an on-prem backend). Without a tenant in ``request.context``
  the request is redacted (irreversibly), never sent in the clear.
* ``restore``: puts real values back into the streamed answer. Placeholders may
  be split across deltas ("[PERS" + "ON_1]"), so text from an unclosed "[" is
  held back until it is complete. With ``request.context["user"]`` the user's
  role decides (and is logged); without a user the caller is server-side code
  acting for the tenant (CLI, background task), and the re-identification is
  logged without a user.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from aktenkundig.core.models import AccessLevel
from aktenkundig.privacy import pseudonymize as pseudo
from aktenkundig.privacy.models import PrivacyEventKind, PrivacyMode
from aktenkundig.privacy.routing import RoutingRefused, route
from aktenkundig.privacy.services import _event, effective_mode, may_reidentify, policy_for

logger = logging.getLogger(__name__)

_OPEN_PLACEHOLDER = re.compile(r"\[[A-Z0-9_]{0,40}$")


class PrivacyGatewayHook:
    def before(self, request) -> None:
        from aktenkundig.llm.gateway import LLMNotPermitted

        tenant = request.context.get("tenant")
        try:
            route(request.data_level, [request.backend])
        except RoutingRefused as error:
            if tenant is not None:
                _event(tenant, PrivacyEventKind.ROUTING_REFUSED, level=int(request.data_level))
            raise LLMNotPermitted(str(error)) from error
        contents = [str(m.get("content") or "") for m in request.messages]
        if tenant is None:
            logger.warning("llm request without tenant: personal data is redacted")
            mode = PrivacyMode.REDACT
        else:
            mode = effective_mode(policy_for(tenant), int(request.data_level), request.backend)
        scope = request.conversation_key
        if mode == PrivacyMode.PSEUDONYMISE:
            if scope:
                results = pseudo.pseudonymize_texts(contents, tenant, scope)
            else:  # no conversation to remember: keep the mapping for this call only
                mapping = pseudo.Mapping()
                results = pseudo.pseudonymize_with(contents, tenant, mapping)
                request.context["privacy_mapping"] = mapping
        elif mode == PrivacyMode.REDACT:
            results = [pseudo.redact(text, tenant) for text in contents]
        else:
            results = [pseudo.Result(text, [], {}) for text in contents]
        for message, result in zip(request.messages, results, strict=True):
            message["content"] = result.text
        replaced: dict[str, int] = {}
        for result in results:
            for entity_type, count in result.counts.items():
                replaced[entity_type] = replaced.get(entity_type, 0) + count
        request.context["privacy_mode"] = str(mode)
        if tenant is not None:
            _event(
                tenant,
                PrivacyEventKind.ROUTED,
                request.context.get("user"),
                scope,
                request.backend.name,
                level=AccessLevel(int(request.data_level)).code,
                mode=str(mode),
                purpose=request.purpose,
                replaced=replaced,
            )

    def restore(self, request, deltas: Iterator[str]) -> Iterator[str]:
        if request.context.get("privacy_mode") != PrivacyMode.PSEUDONYMISE:
            yield from deltas
            return
        tenant = request.context["tenant"]
        user = request.context.get("user")
        if user is not None and not may_reidentify(user, tenant):
            _event(tenant, PrivacyEventKind.REIDENTIFY_DENIED, user, request.conversation_key)
            yield from deltas
            return
        mapping = request.context.get("privacy_mapping") or pseudo.load_mapping(
            tenant, request.conversation_key
        )
        restored = 0
        pending = ""
        for delta in deltas:
            pending += delta
            hold = _OPEN_PLACEHOLDER.search(pending)
            ready, pending = (
                (pending[: hold.start()], pending[hold.start() :])
                if hold
                else (
                    pending,
                    "",
                )
            )
            if ready:
                text, count = pseudo.restore(ready, mapping)
                restored += count
                yield text
        if pending:
            text, count = pseudo.restore(pending, mapping)
            restored += count
            yield text
        if restored:
            _event(
                tenant,
                PrivacyEventKind.REIDENTIFIED,
                user,
                request.conversation_key,
                placeholders=restored,
                purpose=request.purpose,
            )


HOOK = PrivacyGatewayHook()
