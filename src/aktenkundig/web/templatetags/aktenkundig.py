"""Template helpers: answers with numbered, clickable citations."""

from __future__ import annotations

import re

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_MARKER = re.compile(r"\[(\d{1,3})\]")


def passage_url(citation: dict) -> str:
    document_id = citation.get("document_id")
    chunk_id = citation.get("chunk_id")
    if not document_id:
        return ""
    url = reverse("documents:detail", args=[document_id])
    if chunk_id:
        url += f"?stelle={chunk_id}#stelle-{chunk_id}"
    return url


@register.filter
def cited(text: str, citations: list[dict] | None) -> SafeString:
    """Escape ``text`` and turn each [n] that names a source into a link to its passage."""
    by_number = {int(c.get("number", 0)): c for c in citations or []}
    parts: list[str] = []
    last = 0
    for match in _MARKER.finditer(text or ""):
        parts.append(escape(text[last : match.start()]))
        citation = by_number.get(int(match.group(1)))
        url = passage_url(citation) if citation else ""
        if url:
            label = _("Quelle %(number)s: %(title)s") % {
                "number": match.group(1),
                "title": citation.get("title", ""),
            }
            parts.append(
                format_html(
                    '<a class="cite" href="{}" aria-label="{}">[{}]</a>', url, label,
                    match.group(1),
                )
            )
        else:
            parts.append(escape(match.group(0)))
        last = match.end()
    parts.append(escape((text or "")[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


@register.filter
def passage_link(citation: dict) -> str:
    return passage_url(citation)
