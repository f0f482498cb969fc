"""Reversible pseudonymisation per case or conversation, and redaction.

Within one *scope* (a case file, a conversation: any string the caller chooses,
e.g. ``"conversation:42"``) the same real value always gets the same
placeholder, across documents and calls: "Herr Müller", "Hans Müller" and
"Müller" are one person, ``[PERSON_1]``. The mapping is stored encrypted
(Fernet) in :class:`~aktenkundig.privacy.models.VaultEntry`.

Only personal data is replaced: place and organisation names found by the NER
model stay readable (a town or an authority is not a person, and the model needs
them to answer), unless the caller asks for them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.db import transaction

from aktenkundig import config
from aktenkundig.core.models import Tenant
from aktenkundig.privacy.detection import Entity, detect
from aktenkundig.privacy.models import VaultEntry

NOT_PERSONAL = frozenset({"LOCATION", "ORGANIZATION"})
PLACEHOLDER_RE = re.compile(r"\[([A-Z][A-Z0-9_]*?)_(\d+)\]")
_TITLE_RE = re.compile(
    r"^(?:(?:Herrn?|Frau|Fr\.|Hr\.|Dr\.|Prof\.|med\.|Dipl\.-\w+\.?)\s+)+", re.IGNORECASE
)


class VaultError(RuntimeError):
    """The vault cannot be read (wrong or missing key). Message is user-facing."""


@cache
def _fernet_for(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as error:
        raise VaultError(
            "AKTENKUNDIG_VAULT_KEY ist kein gültiger Fernet-Schlüssel "
            "(44 Zeichen, URL-sicheres Base64)."
        ) from error


def vault_key() -> str:
    """The configured key, else one generated once into DATA_DIR/vault_key (0600)."""
    configured = config.get("AKTENKUNDIG_VAULT_KEY")
    if configured:
        return configured.strip()
    path = config.data_dir() / "vault_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(Fernet.generate_key().decode())
    return path.read_text().strip()


def fernet() -> Fernet:
    return _fernet_for(vault_key())


def normalise(entity_type: str, value: str) -> str:
    """The form two mentions of the same thing share."""
    value = value.strip()
    if entity_type == "PERSON":
        value = _TITLE_RE.sub("", value)
        return " ".join(value.split()).lower()
    if entity_type in {"EMAIL"}:
        return value.lower()
    if entity_type == "ADDRESS":
        value = re.sub(r"(?i)str\.", "straße", value)
        return re.sub(r"\s+", " ", value).lower()
    return re.sub(r"[\s./\-()]", "", value).upper()


@dataclass
class _Item:
    type: str
    number: int
    value: str  # the fullest form seen, shown on re-identification
    keys: list[str] = field(default_factory=list)

    @property
    def placeholder(self) -> str:
        return f"[{self.type}_{self.number}]"


class Mapping:
    """Placeholder <-> value for one scope (decrypted, in memory)."""

    def __init__(self, items: Iterable[_Item] = ()) -> None:
        self.items: list[_Item] = list(items)

    @classmethod
    def from_json(cls, data: dict) -> Mapping:
        return cls(_Item(**item) for item in data.get("items", []))

    def to_json(self) -> dict:
        return {"items": [item.__dict__ for item in self.items]}

    def by_placeholder(self) -> dict[str, _Item]:
        return {item.placeholder: item for item in self.items}

    def placeholder_for(self, entity_type: str, value: str) -> str:
        key = normalise(entity_type, value)
        same_type = [item for item in self.items if item.type == entity_type]
        for item in same_type:
            if key in item.keys:
                return item.placeholder
        if entity_type == "PERSON":
            found = self._same_person(same_type, key)
            if found is not None:
                found.keys.append(key)
                if len(value) > len(found.value) and len(key.split()) > 1:
                    found.value = _TITLE_RE.sub("", value.strip())
                return found.placeholder
            value = _TITLE_RE.sub("", value.strip())
        number = max((item.number for item in same_type), default=0) + 1
        item = _Item(entity_type, number, value.strip(), [key])
        self.items.append(item)
        return item.placeholder

    @staticmethod
    def _same_person(items: Sequence[_Item], key: str) -> _Item | None:
        """ "Müller" is the person already known as "Hans Müller" (and vice versa),
        but "Anna Müller" is not "Hans Müller"."""
        words = key.split()
        surname, first = words[-1], (words[0].rstrip(".") if len(words) > 1 else "")
        for item in items:
            known = [k.split() for k in item.keys if k.split()[-1] == surname]
            if not known:
                continue
            firsts = [k[0].rstrip(".") for k in known if len(k) > 1]
            if not first or not firsts:
                return item
            # "A. Müller" is "Anna Müller"; "Hans Müller" is not "Anna Müller".
            if any(f.startswith(first) or first.startswith(f) for f in firsts):
                return item
        return None


def load_mapping(tenant: Tenant, scope: str, for_update: bool = False) -> Mapping:
    query = VaultEntry.objects.filter(tenant=tenant, scope=scope)
    if for_update:
        query = query.select_for_update()
    entry = query.first()
    if entry is None:
        return Mapping()
    try:
        data = json.loads(fernet().decrypt(bytes(entry.token)))
    except InvalidToken as error:
        raise VaultError(
            "Der Pseudonym-Tresor lässt sich mit dem konfigurierten Schlüssel nicht "
            "entschlüsseln (AKTENKUNDIG_VAULT_KEY geändert?)."
        ) from error
    return Mapping.from_json(data)


def save_mapping(tenant: Tenant, scope: str, mapping: Mapping) -> None:
    token = fernet().encrypt(json.dumps(mapping.to_json(), ensure_ascii=False).encode())
    VaultEntry.objects.update_or_create(tenant=tenant, scope=scope, defaults={"token": token})


@dataclass
class Result:
    text: str
    entities: list[Entity]  # what was replaced, offsets into the original text
    counts: dict[str, int]  # per type, for the event log (no values)


def _apply(text: str, entities: Sequence[Entity], replacement) -> str:
    parts: list[str] = []
    last = 0
    for entity in entities:
        parts.append(text[last : entity.start])
        parts.append(replacement(entity))
        last = entity.end
    parts.append(text[last:])
    return "".join(parts)


def _personal(entities: Iterable[Entity], types: frozenset[str] | None) -> list[Entity]:
    if types is None:
        return [e for e in entities if e.type not in NOT_PERSONAL]
    return [e for e in entities if e.type in types]


def _counts(entities: Iterable[Entity]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entity in entities:
        counts[entity.type] = counts.get(entity.type, 0) + 1
    return counts


def pseudonymize_texts(
    texts: Sequence[str],
    tenant: Tenant,
    scope: str,
    types: frozenset[str] | None = None,
) -> list[Result]:
    """Replace personal data in ``texts`` by the scope's placeholders (one vault update)."""
    found = [_personal(detect(text, tenant=tenant), types) for text in texts]
    if not any(found):
        return [Result(text, [], {}) for text in texts]
    with transaction.atomic():
        mapping = load_mapping(tenant, scope, for_update=True)
        results = [
            Result(
                _apply(text, entities, lambda e: mapping.placeholder_for(e.type, e.text)),
                entities,
                _counts(entities),
            )
            for text, entities in zip(texts, found, strict=True)
        ]
        save_mapping(tenant, scope, mapping)
    return results


def pseudonymize(text: str, tenant: Tenant, scope: str, types: frozenset[str] | None = None):
    return pseudonymize_texts([text], tenant, scope, types)[0]


def redact(text: str, tenant: Tenant | None = None, types: frozenset[str] | None = None) -> Result:
    """Replace personal data by its type only ("[PERSON]"): irreversible, no vault."""
    entities = _personal(detect(text, tenant=tenant), types)
    return Result(_apply(text, entities, lambda e: f"[{e.type}]"), entities, _counts(entities))


def restore(text: str, mapping: Mapping) -> tuple[str, int]:
    """Put real values back for the placeholders the mapping knows."""
    known = mapping.by_placeholder()
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        item = known.get(match.group(0))
        if item is None:
            return match.group(0)
        count += 1
        return item.value

    return PLACEHOLDER_RE.sub(replace, text), count
