"""Downloads: one way to send a file to the browser.

Why a helper: the file names come from people (a form's name, an uploaded video's name)
and are German, so they carry umlauts, quotes and spaces. A hand-written
``filename="…"`` header breaks on a quote and turns „Änderung“ into a MIME-encoded
word that browsers show as is; Django's :func:`content_disposition_header` writes the
RFC 6266 ``filename*`` form for such names. Every download view goes through
:func:`attachment`, so no view builds the header itself.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def attachment(body: str | bytes, filename: str, content_type: str, *,
               inline: bool = False) -> HttpResponse:
    """A response that saves ``body`` as ``filename`` (or shows it, ``inline``).

    Text content types get ``charset=utf-8``; ``filename`` may be any text a person
    typed (path separators and control characters are replaced).
    """
    if content_type.startswith("text/") or content_type == "application/json":
        content_type = f"{content_type}; charset=utf-8"
    safe_name = "".join("_" if c in '/\\' or ord(c) < 32 or ord(c) == 127 else c
                        for c in filename).strip() or "download"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, safe_name)
    return response
