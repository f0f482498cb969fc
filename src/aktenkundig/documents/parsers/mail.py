"""E-mail (.eml) with attachments, each read by its own parser."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import PurePath

from aktenkundig.documents.parsers.base import (
    Block,
    Context,
    Extracted,
    ExtractionError,
    _clean_line,
    _paragraphs,
    register,
    suffix_of,
)
from aktenkundig.documents.parsers.html import _html

# Attachments of attachments (forwarded mails) are followed this deep.
MAX_EMAIL_DEPTH = 3


@register("eml", ".eml", "message/rfc822")
def parse_email(data: bytes, context: Context) -> Extracted:
    return _email(data, context)


def _email(data: bytes, context: Context) -> Extracted:
    depth = context.depth
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not (message["From"] or message["Subject"]):
        raise ExtractionError("Die Datei ist keine lesbare E-Mail (Kopfzeilen fehlen).")
    subject = _clean_line(str(message["Subject"] or "")) or None
    sent = None
    try:
        sent_at = message["Date"].datetime if message["Date"] else None
        sent = sent_at.date() if sent_at else None
    except (AttributeError, TypeError, ValueError):
        sent = None
    header_lines = []
    for key, label in (("From", "Von"), ("To", "An"), ("Cc", "Cc"), ("Date", "Datum"),
                       ("Subject", "Betreff")):  # fmt: skip
        if message[key]:
            header_lines.append(f"{label}: {_clean_line(str(message[key]))}")
    blocks = [Block("\n".join(header_lines))] if header_lines else []
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        if body.get_content_subtype() == "html":
            blocks.extend(_html(content).blocks)
        else:
            blocks.extend(_paragraphs(content.replace("\r\n", "\n")))
    for attachment in message.iter_attachments():
        name = attachment.get_filename() or "ohne Namen"
        name = _clean_line(PurePath(name.replace("\\", "/")).name) or "ohne Namen"
        blocks.append(Block(f"Anhang: {name}", "heading", 1))
        if attachment.get_content_type() == "message/rfc822":
            inner = attachment.get_content()
            payload = inner.as_bytes() if hasattr(inner, "as_bytes") else bytes(inner)
            name = name if suffix_of(name) == ".eml" else f"{name}.eml"
        else:
            payload = attachment.get_payload(decode=True) or b""
        if depth >= MAX_EMAIL_DEPTH:
            blocks.append(Block("[Anhang nicht gelesen: zu tief verschachtelt.]"))
            continue
        try:
            inner_result = context.extract(
                payload, name, ocr_languages=context.ocr_languages, on_ocr=context.on_ocr,
                _depth=depth + 1,
            )
        except ExtractionError as error:
            blocks.append(Block(f"[Anhang nicht lesbar: {str(error)[:300]}]"))
            continue
        for block in inner_result.blocks:
            level = min(block.level + 1, 6) if block.kind == "heading" else 0
            blocks.append(Block(block.text, block.kind, level))
    return Extracted("eml", "", blocks, title=subject, date=sent)
