"""The functional mailbox (``AKTENKUNDIG_INBOX_IMAP_*``): each mail, with its
attachments, becomes one item (the documents app's e-mail parser reads body and
attachments). A mail is marked \\Seen only after its item is committed; the item's
source key is UIDVALIDITY:UID, so a mail fetched twice is one item."""

from __future__ import annotations

import imaplib
import re

from aktenkundig import config
from aktenkundig.inbox.consumers.base import Consumer
from aktenkundig.inbox.models import Channel, Item

_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


class ImapConsumer(Consumer):
    channel = Channel.IMAP

    def __init__(self, tenant, *, host: str | None = None, port: int | None = None,
                 user_name: str | None = None, password: str | None = None,
                 folder: str | None = None, ssl: bool | None = None, user=None):
        super().__init__(tenant, user=user)
        self.host = host or config.get("AKTENKUNDIG_INBOX_IMAP_HOST")
        self.port = port or config.get_int("AKTENKUNDIG_INBOX_IMAP_PORT")
        self.user_name = user_name or config.get("AKTENKUNDIG_INBOX_IMAP_USER")
        self.password = password or config.get("AKTENKUNDIG_INBOX_IMAP_PASSWORD")
        self.folder = folder or config.get("AKTENKUNDIG_INBOX_IMAP_FOLDER")
        self.ssl = config.get_bool("AKTENKUNDIG_INBOX_IMAP_SSL") if ssl is None else ssl

    def fetch(self, *, limit: int = 200) -> list[Item]:
        if not self.host:
            raise ValueError("AKTENKUNDIG_INBOX_IMAP_HOST ist nicht gesetzt.")
        cls = imaplib.IMAP4_SSL if self.ssl else imaplib.IMAP4
        items = []
        with cls(self.host, self.port, timeout=30) as client:
            client.login(self.user_name, self.password)
            status, _data = client.select(self.folder)
            if status != "OK":
                raise ValueError(f"IMAP-Ordner {self.folder!r} nicht lesbar.")
            _, info = client.status(self.folder, "(UIDVALIDITY)")
            match = _UIDVALIDITY.search(info[0] or b"")
            validity = match.group(1).decode() if match else "0"
            _, found = client.uid("SEARCH", None, "UNSEEN")
            for uid in (found[0] or b"").split()[:limit]:
                _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                if raw is None:
                    continue
                item = self.consume(raw, f"mail-{uid.decode()}.eml",
                                    source=f"imap://{self.host}/{self.folder}",
                                    source_key=f"{validity}:{uid.decode()}")
                client.uid("STORE", uid, "+FLAGS", r"(\Seen)")
                items.append(item)
        return items
