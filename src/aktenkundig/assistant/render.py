"""Answers on a terminal: streamed text, then the sources below it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from aktenkundig.assistant.services import Answer, Citation, Event


def citation_lines(citation: Citation) -> list[str]:
    where = [citation.document]
    if citation.section:
        where.append(citation.section)
    if citation.page:
        where.append(f"S. {citation.page}")
    lines = [f"[{citation.n}] " + ", ".join(where)]
    if citation.quote:
        lines.append(f"    „{citation.quote}“")
    if citation.path:
        lines.append(f"    {citation.path}")
    return lines


def stream_to(out: TextIO, events: Iterator[Event]) -> Answer:
    """Write deltas as they arrive, then notice and sources; return the answer."""
    result: Answer | None = None
    for kind, payload in events:
        if kind == "delta":
            out.write(payload)
            out.flush()
        elif kind == "done":
            result = payload
    assert result is not None
    out.write("\n")
    if result.notice:
        out.write(f"\nHinweis: {result.notice}\n")
    if result.citations:
        out.write("\nQuellen:\n")
        for citation in result.citations:
            out.write("\n".join(citation_lines(citation)) + "\n")
    out.flush()
    return result
