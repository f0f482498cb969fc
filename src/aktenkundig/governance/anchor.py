"""The audit chain's anchor outside the database.

The head row and the checkpoints live in the same database as the records, so
someone who can write to the database can delete a tenant's records *and* its
head row, and ``audit verify`` would find an empty, consistent chain (issue #10,
point 5). The anchor closes that gap: after every committed append, one line

    v1 <tenant id> <seq> <hash> <HMAC-SHA256 of the three>

is appended to a file in the data directory (``AKTENKUNDIG_AUDIT_ANCHOR``,
default ``DATA_DIR/audit_anchor.log``, mode 0600) and, as the same line, to the
logger ``aktenkundig.audit.anchor`` -- route that logger to syslog/journald or a
log server to keep a copy the application server cannot rewrite either.

The anchor is a *lower bound*: a tenant's chain must contain (or have pruned
behind a valid checkpoint) the highest anchored record, with the anchored hash.
A wipe, a truncation or a rewrite of the newest records is therefore reported
even when the head row went with them. Lines are written after the commit, so a
rolled-back append leaves no line; a process killed between commit and write
leaves the anchor one record behind, which is still a valid lower bound.

What it does not defend against: an attacker who holds the HMAC key *and* can
rewrite this file. Keep ``AKTENKUNDIG_AUDIT_KEY`` out of the data directory (an
environment secret) and mirror the logger off the machine (docs/security.md).

Appenders hold a shared ``flock`` while writing and re-open the file when it was
replaced; :func:`compact` (run by ``aktenkundig audit checkpoint``) holds an
exclusive one while it rewrites the file with the newest line per tenant.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from aktenkundig import config

logger = logging.getLogger("aktenkundig.audit.anchor")
VERSION = "v1"


def path() -> Path | None:
    """The anchor file, or None when the operator switched it off ('off')."""
    configured = config.get("AKTENKUNDIG_AUDIT_ANCHOR").strip()
    if configured.lower() in {"off", "false", "0", "no"}:
        return None
    return Path(configured).expanduser() if configured else settings.DATA_DIR / "audit_anchor.log"


def _mac(key: bytes, tenant_id: int, seq: int, record_hash: str) -> str:
    message = f"aktenkundig-anchor|{tenant_id}|{seq}|{record_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def line(key: bytes, tenant_id: int, seq: int, record_hash: str) -> str:
    return f"{VERSION} {tenant_id} {seq} {record_hash} {_mac(key, tenant_id, seq, record_hash)}\n"


def _open_for_append(target: Path) -> int:
    while True:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            if os.fstat(fd).st_ino == os.stat(target).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # replaced by compact() meanwhile: write to the new file


def write(key: bytes, tenant_id: int, seq: int, record_hash: str) -> None:
    """Anchor record ``seq`` of ``tenant_id`` (called after the append committed).

    Never raises: the audit record is committed already, and a failing anchor
    must not turn a successful request into an error. A failure is logged at
    ERROR level (and the anchor simply stays one record behind)."""
    text = line(key, tenant_id, seq, record_hash)
    logger.info(text.rstrip("\n"))
    target = path()
    if target is None:
        return
    try:
        fd = _open_for_append(target)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)  # releases the lock
    except OSError:
        logger.error("audit anchor %s not writable", target, exc_info=True)


@dataclass
class Anchors:
    """The newest validly signed anchor per tenant, and lines that fail their MAC."""

    found: bool = False
    latest: dict[int, tuple[int, str]] = field(default_factory=dict)
    bad_lines: list[int] = field(default_factory=list)


def read(key: bytes) -> Anchors:
    """Read the anchor file (streaming; constant memory per tenant)."""
    result = Anchors()
    target = path()
    if target is None or not target.exists():
        return result
    result.found = True
    with target.open("r", encoding="ascii", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            parts = raw.split()
            try:
                version, tenant_text, seq_text, record_hash, mac = parts
                tenant_id, seq = int(tenant_text), int(seq_text)
            except ValueError:
                result.bad_lines.append(number)
                continue
            if version != VERSION or not hmac.compare_digest(
                _mac(key, tenant_id, seq, record_hash), mac
            ):
                result.bad_lines.append(number)
                continue
            if seq > result.latest.get(tenant_id, (-1, ""))[0]:
                result.latest[tenant_id] = (seq, record_hash)
    return result


def compact(key: bytes) -> int:
    """Rewrite the file with the newest valid line per tenant; returns lines kept.
    Lines failing their MAC are kept too (evidence is not thrown away)."""
    target = path()
    if target is None or not target.exists():
        return 0
    fd = os.open(target, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        anchors = read(key)
        bad = []
        if anchors.bad_lines:
            wanted = set(anchors.bad_lines)
            with target.open("r", encoding="ascii", errors="replace") as handle:
                bad = [raw for n, raw in enumerate(handle, start=1) if n in wanted]
        temporary = target.with_name(target.name + ".tmp")
        out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(out, "w", encoding="ascii") as handle:
            handle.writelines(bad)
            for tenant_id, (seq, record_hash) in sorted(anchors.latest.items()):
                handle.write(line(key, tenant_id, seq, record_hash))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        return len(bad) + len(anchors.latest)
    finally:
        os.close(fd)
