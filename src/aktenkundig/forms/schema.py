"""The field schema of a form type, read from the blank official PDF (or a TOML file).

Why from the blank PDF: official fillable forms already say what they ask for.
Every AcroForm widget carries its full field name (the key the specialist system
knows), its type, its page and rectangle, and usually a tooltip (``/TU``) that
the screen-reader rules of the BITV made the authorities write in plain German.
So an admin does not draw boxes: registering the blank form gives the schema,
and the admin only corrects the kinds the heuristics guessed wrong.

Coordinates stay in PDF points of the blank form's page, origin bottom-left,
exactly as the widget's ``/Rect`` — the same numbers a caller finds with any PDF
tool, whatever resolution a scan had.

Forms that are XFA only (the field layout exists only in an XML packet that
pdfium, pypdf and every browser except old Acrobat ignore) are refused with a
message saying so, instead of registering a form without fields. Such forms, and
paper-only forms, can be declared in TOML (:func:`from_toml`).
"""

from __future__ import annotations

import io
import re
import tomllib
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = (
    "text", "date", "iban", "bic", "steuer_id", "plz", "amount", "number",
    "checkbox", "radio", "signature",
)

MAX_PDF_BYTES = 30 * 1024 * 1024
MAX_FIELDS = 2000


class FormError(ValueError):
    """A form (blank or filled) that cannot be used; the message is for people."""


@dataclass
class Option:
    """One state of a checkbox or radio group and the box a person ticks for it."""

    value: str
    rect: list[float]


@dataclass
class FieldSpec:
    name: str  # the full AcroForm name, e.g. "topmostSubform[0].Seite1[0].IBAN[0]"
    label: str
    kind: str
    page: int  # 1-based
    rect: list[float]  # [x0, y0, x1, y1] in PDF points, origin bottom-left
    required: bool = False
    group: str = ""
    max_length: int = 0
    comb: bool = False  # one character per printed cell: read without blanks
    options: list[Option] = field(default_factory=list)  # checkbox: one, radio: several

    @property
    def short(self) -> str:
        return short_name(self.name)


@dataclass
class Rule:
    """A cross-field rule: when ``if_field`` has ``equals`` (or is ticked), ``then_required``
    must be filled. The one kind of rule forms really state ("Falls ja, bitte angeben")."""

    if_field: str
    then_required: list[str]
    equals: Any = True
    message: str = ""


@dataclass
class Schema:
    fields: list[FieldSpec]
    pages: list[list[float]]  # page sizes [width, height] in points
    source: str = "acroform"  # acroform | acroform+xfa | declared
    rules: list[Rule] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        fields = [
            FieldSpec(**{**f, "options": [Option(**o) for o in f.get("options", [])]})
            for f in data["fields"]
        ]
        rules = [Rule(**r) for r in data.get("rules", [])]
        return cls(fields=fields, pages=data["pages"], source=data.get("source", ""),
                   rules=rules)

    def by_name(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}


def short_name(name: str) -> str:
    """``a[0].b[0].IBAN[0]`` → ``IBAN`` (for labels and kind guessing)."""
    last = name.rsplit(".", 1)[-1]
    return re.sub(r"\[\d+\]$", "", last)


# Kind guessing from the field name and tooltip. Order matters: the first match wins,
# specific before general ("Datum" inside "Geburtsdatum des Kontoinhabers").
_KIND_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iban", re.compile(r"\bIBAN\b", re.I)),
    ("bic", re.compile(r"\bBIC\b|\bSWIFT", re.I)),
    ("steuer_id", re.compile(r"steuer-?\s?id(?!.*teil)|identifikationsnummer(?!.*teil)", re.I)),
    ("plz", re.compile(r"\bPLZ\b|postleitzahl", re.I)),
    ("date", re.compile(r"datum|TT\.MM|\bdate\b|geboren am|\bvom\b|\bbis\b|tag der", re.I)),
    ("amount", re.compile(r"betrag|summe|\bEUR\b|€|euro|kosten|gebühr|entgelt", re.I)),
    ("number", re.compile(r"^anzahl|\banzahl\b|\bkm\b|kilometer", re.I)),
]


def guess_kind(name: str, tooltip: str) -> str:
    text = f"{short_name(name)} {tooltip}"
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(text):
            return kind
    return "text"


def _open(data: bytes):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if len(data) > MAX_PDF_BYTES:
        raise FormError(f"Die PDF-Datei ist zu groß (höchstens {MAX_PDF_BYTES >> 20} MB).")
    if not data.startswith(b"%PDF"):
        raise FormError("Die Datei ist keine PDF-Datei.")
    try:
        reader = PdfReader(io.BytesIO(data))
        # Official forms are often AES-encrypted with an empty user password
        # (printing and filling allowed); anything else we cannot read.
        if reader.is_encrypted and not reader.decrypt(""):
            raise FormError("Die PDF-Datei ist mit einem Kennwort geschützt.")
        reader.pages  # noqa: B018 - forces the page tree to load
    except (PdfReadError, ValueError, KeyError) as error:
        if isinstance(error, FormError):
            raise
        raise FormError(f"Die PDF-Datei ist beschädigt: {str(error)[:120]}") from None
    return reader


def _acroform(reader):
    root = reader.trailer["/Root"]
    return root.get("/AcroForm")


def is_xfa_only(reader) -> bool:
    form = _acroform(reader)
    if form is None:
        return False
    form = form.get_object()
    return "/XFA" in form and not _widgets(reader)


def _widgets(reader):
    """Every widget annotation with its page (1-based) and its terminal field."""
    out = []
    for number, page in enumerate(reader.pages, start=1):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            out.append((number, annot))
    return out


def _inherited(annot, key):
    node = annot
    for _ in range(32):
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        if parent is None:
            return None
        node = parent.get_object()
    return None


def _full_name(annot) -> str:
    parts = []
    node = annot
    for _ in range(32):
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    return ".".join(reversed(parts))


def _on_state(annot) -> str | None:
    ap = annot.get("/AP")
    if ap is None:
        return None
    normal = ap.get_object().get("/N")
    if normal is None or not hasattr(normal.get_object(), "keys"):
        return None
    for key in normal.get_object():
        if key != "/Off":
            return str(key)[1:]
    return None


def from_pdf(data: bytes) -> Schema:
    """The schema of a blank fillable PDF; :class:`FormError` for XFA-only or no fields."""
    reader = _open(data)
    pages = [[float(p.mediabox.width), float(p.mediabox.height)] for p in reader.pages]
    form = _acroform(reader)
    has_xfa = form is not None and "/XFA" in form.get_object()
    widgets = _widgets(reader)
    if not widgets:
        if has_xfa:
            raise FormError(
                "Das Formular ist ein reines XFA-Formular: seine Felder stehen nur in "
                "XFA-Daten, die außer älteren Adobe-Programmen niemand liest. Bitte eine "
                "Fassung mit AcroForm-Feldern besorgen oder das Formular als TOML-Datei "
                "beschreiben."
            )
        raise FormError(
            "Das PDF enthält keine Formularfelder (AcroForm). Formulare ohne Felder "
            "lassen sich als TOML-Datei beschreiben."
        )
    if len(widgets) > MAX_FIELDS:
        raise FormError(f"Zu viele Formularfelder (höchstens {MAX_FIELDS}).")
    fields: dict[str, FieldSpec] = {}
    for page, annot in widgets:
        name = _full_name(annot)
        if not name:
            continue
        rect = [round(float(v), 2) for v in annot.get("/Rect", [0, 0, 0, 0])]
        rect = [min(rect[0], rect[2]), min(rect[1], rect[3]),
                max(rect[0], rect[2]), max(rect[1], rect[3])]
        ftype = str(_inherited(annot, "/FT") or "/Tx")
        flags = int(_inherited(annot, "/Ff") or 0)
        tooltip = str(_inherited(annot, "/TU") or "").strip()
        spec = fields.get(name)
        if spec is None:
            if ftype == "/Btn":
                kind = "radio" if flags & (1 << 15) else "checkbox"
                if flags & (1 << 16):  # push button: nothing to read
                    continue
            elif ftype == "/Sig":
                kind = "signature"
            elif ftype == "/Ch":
                kind = "text"
            else:
                kind = guess_kind(name, tooltip)
            max_len = _inherited(annot, "/MaxLen")
            spec = FieldSpec(
                name=name,
                label=tooltip or short_name(name),
                kind=kind,
                page=page,
                rect=list(rect),
                required=bool(flags & 2),
                group=name.rsplit(".", 1)[0] if "." in name else "",
                max_length=int(max_len) if max_len else 0,
                comb=bool(flags & (1 << 24)) and ftype == "/Tx",
            )
            fields[name] = spec
        else:  # another widget of the same field: widen the box on its first page
            if page == spec.page:
                spec.rect = [min(spec.rect[0], rect[0]), min(spec.rect[1], rect[1]),
                             max(spec.rect[2], rect[2]), max(spec.rect[3], rect[3])]
        if spec.kind in ("checkbox", "radio") and page == spec.page:
            state = _on_state(annot) or "Yes"
            spec.options.append(Option(value=state, rect=list(rect)))
    # A checkbox with several widgets of different states behaves as a radio group.
    for spec in fields.values():
        if spec.kind == "checkbox" and len({o.value for o in spec.options}) > 1:
            spec.kind = "radio"
    return Schema(fields=list(fields.values()), pages=pages,
                  source="acroform+xfa" if has_xfa else "acroform")


def from_toml(text: str) -> Schema:
    """A form declared in TOML, for forms without AcroForm fields::

        pages = [[595.28, 841.89]]
        [[field]]
        name = "Name"
        label = "Name, Vorname"
        kind = "text"
        page = 1
        rect = [60, 700, 300, 718]
        required = true
        [[rule]]
        if_field = "Kontoinhaber_andere"
        then_required = ["Name_Kontoinhaber"]
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FormError(f"Die Formularbeschreibung ist kein gültiges TOML: {error}") from None
    try:
        fields = []
        for raw in data.get("field", []):
            kind = raw.get("kind", "text")
            if kind not in KINDS:
                raise FormError(f"Unbekannte Feldart {kind!r} bei {raw.get('name')!r}.")
            options = [Option(**o) for o in raw.get("options", [])]
            if kind == "checkbox" and not options:
                options = [Option(value="Yes", rect=list(raw["rect"]))]
            fields.append(FieldSpec(
                name=raw["name"], label=raw.get("label", raw["name"]), kind=kind,
                page=int(raw.get("page", 1)), rect=[float(v) for v in raw["rect"]],
                required=bool(raw.get("required", False)), group=raw.get("group", ""),
                max_length=int(raw.get("max_length", 0)), options=options,
            ))
        rules = [Rule(**r) for r in data.get("rule", [])]
        pages = data.get("pages") or [[595.28, 841.89]]
    except (KeyError, TypeError) as error:
        raise FormError(f"Die Formularbeschreibung ist unvollständig: {error}") from None
    if not fields:
        raise FormError("Die Formularbeschreibung enthält keine Felder.")
    return Schema(fields=fields, pages=pages, source="declared", rules=rules)


def apply_overrides(schema: Schema, overrides: dict[str, Any]) -> Schema:
    """Per-field corrections (label, kind, required, group) and rules from a TOML
    ``[fields."<name>"]`` table: what the admin edits after the automatic schema."""
    by_name = schema.by_name()
    for name, changes in (overrides.get("fields") or {}).items():
        spec = by_name.get(name)
        if spec is None:
            raise FormError(f"Feld {name!r} gibt es in diesem Formular nicht.")
        for key in ("label", "kind", "required", "group"):
            if key in changes:
                if key == "kind" and changes[key] not in KINDS:
                    raise FormError(f"Unbekannte Feldart {changes[key]!r}.")
                setattr(spec, key, changes[key])
    schema.rules.extend(Rule(**r) for r in overrides.get("rule", []))
    return schema
