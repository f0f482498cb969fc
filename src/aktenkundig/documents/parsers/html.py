"""HTML (also the HTML body of e-mails)."""

from __future__ import annotations

from aktenkundig.documents.parsers.base import (
    Block,
    Context,
    Extracted,
    _clean_line,
    _paragraphs,
    decode_text,
    register,
)


@register("html", ".html", "text/html")
def parse_html(data: bytes, context: Context) -> Extracted:
    return _html(decode_text(data))


_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "pre", "dt", "dd",
                "blockquote", "caption", "figcaption", "address"]  # fmt: skip


def _html(markup: str) -> Extracted:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "nav", "svg"]):
        tag.decompose()
    title = _clean_line(soup.title.get_text()) if soup.title else None
    root = soup.body or soup
    blocks: list[Block] = []
    wanted = set(_HTML_BLOCKS)
    for element in root.find_all(_HTML_BLOCKS):
        if any(parent.name in wanted for parent in element.parents):
            continue
        if element.name == "tr":
            cells = [_clean_line(c.get_text(" ")) for c in element.find_all(["th", "td"])]
            text = " | ".join(cell for cell in cells if cell)
            if text:
                blocks.append(Block(text))
        elif element.name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            text = _clean_line(element.get_text(" "))
            if text:
                blocks.append(Block(text, "heading", int(element.name[1])))
        elif element.name == "pre":
            blocks.extend(_paragraphs(element.get_text()))
        else:
            text = _clean_line(element.get_text(" "))
            if element.name == "li" and element.parent is not None and element.parent.name == "ol":
                siblings = element.parent.find_all("li", recursive=False)
                text = f"{siblings.index(element) + 1}. {text}"
            if text:
                blocks.append(Block(text))
    if not any(b.kind == "paragraph" for b in blocks):
        blocks.extend(_paragraphs(root.get_text("\n")))
    if not title:
        title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    return Extracted("html", "", blocks, title=title)
