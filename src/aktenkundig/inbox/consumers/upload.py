"""Uploads in the web app and through the REST API."""

from __future__ import annotations

from aktenkundig.documents.services import max_bytes
from aktenkundig.inbox.consumers.base import Consumer
from aktenkundig.inbox.models import Channel, Item
from aktenkundig.inbox.services import InboxError


class UploadConsumer(Consumer):
    channel = Channel.UPLOAD

    def consume_upload(self, uploaded_file) -> Item:
        """A Django ``UploadedFile``: read at most the upload limit (bounded memory)."""
        limit = max_bytes()
        if uploaded_file.size is not None and uploaded_file.size > limit:
            raise InboxError("Die Datei ist zu groß.")
        data = uploaded_file.read(limit + 1)
        if len(data) > limit:
            raise InboxError("Die Datei ist zu groß.")
        return self.consume(data, uploaded_file.name or "upload", source="upload")


class ApiConsumer(UploadConsumer):
    channel = Channel.API
