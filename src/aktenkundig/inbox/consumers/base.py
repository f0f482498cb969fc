"""The base consumer: what every channel shares."""

from __future__ import annotations

import logging

from aktenkundig.core.models import Tenant
from aktenkundig.inbox import services
from aktenkundig.inbox.models import Item

logger = logging.getLogger(__name__)


class Consumer:
    channel: str = ""
    #: split multi-page PDFs into letters (scanner batches); uploads of one letter: no
    split_batches: bool = False

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

    def consume_batch(self, data: bytes, name: str, *, source: str = "",
                      source_key: str = "") -> list[Item]:
        """A scanner batch: split at separator sheets and letter starts (see
        inbox.splitting), one item per letter, each named with its reason. Anything
        that is not a multi-page PDF, or cannot be split, is one item."""
        parts = self._split(data) if self.split_batches and data[:5] == b"%PDF-" else []
        if len(parts) <= 1:
            return [self.consume(data, name, source=source, source_key=source_key)]
        items = []
        for number, (part, reason) in enumerate(parts, start=1):
            items.append(self.consume(
                part, f"{name.rsplit('.', 1)[0]}-brief-{number}.pdf",
                source=f"{source} · Brief {number} von {len(parts)} ({reason})",
                source_key=f"{source_key}#{number}" if source_key else "",
            ))
        return items

    def _split(self, data: bytes) -> list[tuple[bytes, str]]:
        from aktenkundig import config
        from aktenkundig.documents.extract import Ocr
        from aktenkundig.documents.services import ocr_limits
        from aktenkundig.inbox import splitting

        try:
            ocr = Ocr(config.get("AKTENKUNDIG_OCR_LANGUAGES"), None, ocr_limits(), None)
            pages = splitting.read_pages(data, ocr=ocr)
            segments = splitting.propose(pages)
            if len(segments) <= 1:
                return []
            return list(zip(splitting.split_pdf(data, segments),
                            [s.reason for s in segments], strict=True))
        except Exception:  # a batch that cannot be split is still taken whole
            logger.warning("batch could not be split", exc_info=True)
            return []
