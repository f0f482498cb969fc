"""Keeping citizens' personal data out of what the chatbot stores.

:func:`redact` is the one function every stored citizen text passes through:
the privacy app's detector first, then the patterns below (e-mail, phone, IBAN,
street address, names after "ich heiße") as a floor for structured data.

Contacts for a hand-over are personal data the citizen gave on purpose; they are
encrypted with a key derived from the secret key and deleted on closure.
"""

from __future__ import annotations

import base64
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from aktenkundig.core.models import Tenant

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("E-MAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b")),
    ("TELEFON", re.compile(r"(?<![\w])(?:\+|00)?\d[\d /().-]{6,}\d\b")),
    (
        "ADRESSE",
        re.compile(
            r"\b[A-ZÄÖÜ][\wäöüß.-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm)"
            r"\s+\d+\s*[a-z]?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "NAME",
        re.compile(
            r"(?P<keep>\b(?:ich heiße|ich heisse|mein name ist|my name is|name:)\s+)"
            r"[A-ZÄÖÜ][\wäöüß-]+(?:\s+[A-ZÄÖÜ][\wäöüß-]+)?",
            re.IGNORECASE,
        ),
    ),
    ("GEBURTSDATUM", re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)\d{2}\b")),
]


def _pattern_redact(text: str) -> str:
    for label, pattern in _PATTERNS:
        if "keep" in pattern.groupindex:
            text = pattern.sub(lambda m, label=label: f"{m['keep']}[{label}]", text)
        else:
            text = pattern.sub(f"[{label}]", text)
    return text


def redact(text: str, tenant: Tenant | None = None) -> str:
    """``text`` with personal data replaced by type placeholders such as
    ``[PERSON]`` or ``[E-MAIL]``: irreversible, nothing to re-identify later."""
    from aktenkundig.privacy.pseudonymize import redact as privacy_redact

    # The privacy app's detector (recognizers + German NER) finds names and
    # places; the patterns then run as a floor for structured data.
    return _pattern_redact(privacy_redact(text, tenant).text)


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"aktenkundig-citizen-contact"
    ).derive(settings.SECRET_KEY.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_contact(contact: str) -> str:
    return _fernet().encrypt(contact.encode("utf-8")).decode("ascii")


def decrypt_contact(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        return ""
