"""The base consumer: what every channel shares."""

from __future__ import annotations

from aktenkundig.core.models import Tenant
from aktenkundig.inbox import services
from aktenkundig.inbox.models import Item


class Consumer:
    channel: str = ""

    def __init__(self, tenant: Tenant, *, user=None):
        self.tenant = tenant
        self.user = user

    def consume(self, data: bytes, name: str, *, source: str = "", source_key: str = "") -> Item:
        """One file in, one committed item out (idempotent per ``source_key``)."""
        return services.receive(
            self.tenant,
            services.Incoming(data=data, name=name, channel=self.channel, source=source,
                              source_key=source_key),
            user=self.user,
        )
