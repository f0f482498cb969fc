"""Tamper-evident audit log: an append-only hash chain per tenant.

Each record's ``body`` is canonical JSON (sorted keys, no whitespace, UTF-8)
holding the tenant id, the sequence number, the time and what happened. Its
``hash`` is the SHA-256 of ``prev_hash``, every column of the row (tenant,
sequence number, kind, feature, case, actor; length-prefixed so that no two
column splits hash alike; since body version 2 also ``created_at`` -- version 1
left it out, and a back-dated record could then steer ``prune``) and the body
(see :func:`record_hash`). So changing, inserting, deleting or reordering any
record breaks the chain from that point, and verification needs no JSON parsing.
The chain's head (last sequence number and hash) is kept in one row per tenant
together with an HMAC signature made with a key outside the database
(``AKTENKUNDIG_AUDIT_KEY`` or ``DATA_DIR/audit_key``); recomputing the whole
chain after tampering, or cutting records off its end, is therefore detected too.
Because the head row itself can be deleted together with every record, the head
is also anchored outside the database (:mod:`governance.anchor`): a wipe or a
truncation is reported even then. Pruning old records leaves a signed checkpoint
from which the remaining chain is verified; what is old is decided by the
hashed timestamps of a fully verified chain, never by a column one could edit.

Appending costs one locked read of the head row, one insert and one update; the
head row lock (``SELECT ... FOR UPDATE`` on PostgreSQL, the database write lock
taken by ``BEGIN IMMEDIATE`` on SQLite) serialises concurrent appends of a tenant.
Nothing reads the chain to write.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aktenkundig import config
from aktenkundig.core.models import Tenant
from aktenkundig.governance import anchor
from aktenkundig.governance.models import (
    AuditCheckpoint,
    AuditContent,
    AuditHead,
    AuditRecord,
    FeaturePolicy,
)

GENESIS = "0" * 64
MIN_RETENTION_DAYS = 183  # six months, AI Act Art. 26(6)
BODY_VERSION = 2
#: Canonical JSON sorts keys, and "v" sorts last: a version-2 body ends so.
_V2_SUFFIX = '"v":2}'


# --------------------------------------------------------------------------- primitives


def canonical_json(data: Any) -> str:
    """The one serialisation the chain hashes: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
        default=_json_default,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"Nicht protokollierbarer Wert vom Typ {type(value).__name__}")


def micros(moment: dt.datetime) -> int:
    """``moment`` as whole microseconds since the epoch (UTC): the same integer
    whether SQLite or PostgreSQL gave the datetime back."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return calendar.timegm(moment.utctimetuple()) * 1_000_000 + moment.microsecond


def record_hash(prev_hash: str, tenant_id: int, seq: int, kind: str, feature: str,
                case_ref: str, actor: str, body: str,
                created_at: dt.datetime | None = None) -> str:
    """The chain link: SHA-256 over the predecessor's hash, every column and the body.
    ``created_at`` is required for version-2 bodies (None: the version-1 formula)."""
    tail = "" if created_at is None else f"|{micros(created_at)}"
    return hashlib.sha256(
        f"{prev_hash}|{tenant_id}|{seq}|{len(kind)}:{kind}|{len(feature)}:{feature}|"
        f"{len(case_ref)}:{case_ref}|{len(actor)}:{actor}|{body}{tail}".encode()
    ).hexdigest()


def text_digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=1)
def _key() -> bytes:
    configured = config.get("AKTENKUNDIG_AUDIT_KEY")
    if configured:
        return configured.encode()
    path = settings.DATA_DIR / "audit_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()


def sign(tenant_id: int, seq: int, record_hash: str) -> str:
    message = f"aktenkundig-audit|{tenant_id}|{seq}|{record_hash}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def _signature_ok(tenant_id: int, seq: int, record_hash: str, signature: str) -> bool:
    return hmac.compare_digest(sign(tenant_id, seq, record_hash), signature or "")


# --------------------------------------------------------------------------- writing


def _actor(user: Any, system_actor: str = "") -> dict[str, Any] | None:
    if user is None or not getattr(user, "is_authenticated", False):
        # Operator tools (e.g. the ``ask`` command) act without a user account.
        return {"system": system_actor, "name": system_actor} if system_actor else None
    return {"id": user.pk, "name": user.get_username()}


@dataclass(frozen=True)
class Appended:
    """What :func:`append` wrote (records are never loaded back as objects to write)."""

    tenant_id: int
    seq: int
    created_at: dt.datetime
    body: str
    prev_hash: str
    hash: str


_TABLE = AuditRecord._meta.db_table
_HEAD = AuditHead._meta.db_table
_INSERT = (
    f"INSERT INTO {_TABLE} (tenant_id, seq, created_at, kind, feature, case_ref, actor, "  # noqa: S608
    "body, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_UPDATE_HEAD = f"UPDATE {_HEAD} SET seq = %s, hash = %s, signature = %s WHERE tenant_id = %s"  # noqa: S608
# PostgreSQL: insert and head update in one round trip.
_INSERT_AND_UPDATE_HEAD = (
    f"WITH inserted AS ({_INSERT} RETURNING seq) "  # noqa: S608 - table names only
    f"UPDATE {_HEAD} SET seq = (SELECT seq FROM inserted), hash = %s, signature = %s "
    "WHERE tenant_id = %s"
)


def append(
    tenant: Tenant,
    kind: str,
    data: dict[str, Any],
    *,
    user: Any = None,
    feature: str = "",
    case_ref: str = "",
    system_actor: str = "",
) -> Appended:
    """Append one record to ``tenant``'s chain.

    ``system_actor`` names a non-personal actor (e.g. "cli") when ``user`` is None.

    Three statements on the hot path (lock head row, insert, update head), in
    raw SQL because ORM query compilation would cost more than the work itself.
    """
    tenant_id = tenant.pk
    actor = _actor(user, system_actor)
    actor_name = actor["name"] if actor else ""
    lock_sql = f"SELECT seq, hash FROM {_HEAD} WHERE tenant_id = %s"  # noqa: S608
    if connection.features.has_select_for_update:
        lock_sql += " FOR UPDATE"
    nested = connection.in_atomic_block
    relaxed = not nested and _relaxed_commit()
    # Inside the caller's transaction no savepoint (two round trips): a failed
    # append fails the caller's transaction, which is what an audit log wants.
    # On SQLite the lock is the database write lock: settings use BEGIN IMMEDIATE.
    with transaction.atomic(savepoint=not nested), connection.cursor() as cursor:
        if relaxed:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(lock_sql, [tenant_id])
        row = cursor.fetchone()
        if row is None:
            _create_head(tenant_id)
            cursor.execute(lock_sql, [tenant_id])
            row = cursor.fetchone()
        prev_seq, prev_hash = row
        seq = prev_seq + 1
        now = timezone.now()
        body = canonical_json({
            "v": BODY_VERSION,
            "t": tenant_id,
            "n": seq,
            "ts": now.isoformat(),
            "kind": kind,
            "feature": feature,
            "case": case_ref,
            "actor": actor,
            "data": data,
        })
        link = record_hash(prev_hash, tenant_id, seq, kind, feature, case_ref, actor_name, body,
                           now)
        row_values = [tenant_id, seq, now, kind, feature, case_ref, actor_name, body, prev_hash,
                      link]
        head_values = [link, sign(tenant_id, seq, link), tenant_id]
        if connection.vendor == "postgresql":
            cursor.execute(_INSERT_AND_UPDATE_HEAD, row_values + head_values)
        else:
            cursor.execute(_INSERT, row_values)
            cursor.execute(_UPDATE_HEAD, [seq, *head_values])
        # Anchored outside the database once committed (a rolled-back append
        # must leave no line behind); at once when this block was the transaction.
        if nested:
            transaction.on_commit(lambda: anchor.write(_key(), tenant_id, seq, link))
    if not nested:
        anchor.write(_key(), tenant_id, seq, link)
    return Appended(tenant_id, seq, now, body, prev_hash, link)


def _relaxed_commit() -> bool:
    if connection.vendor != "postgresql":
        return False
    return config.get("AKTENKUNDIG_AUDIT_SYNCHRONOUS_COMMIT").strip().lower() in {
        "off", "false", "0", "no"
    }


def _create_head(tenant_id: int) -> None:
    try:
        with transaction.atomic():
            AuditHead.objects.create(
                tenant_id=tenant_id, seq=0, hash=GENESIS, signature=sign(tenant_id, 0, GENESIS)
            )
    except IntegrityError:
        pass  # a concurrent first append created it; the caller locks the existing row


_POLICY_SQL = (
    f"SELECT audit_content FROM {FeaturePolicy._meta.db_table} "  # noqa: S608
    "WHERE tenant_id = %s AND feature = %s"
)


def content_policy(tenant: Tenant, feature: str) -> str:
    """How AI input/output of ``feature`` is kept: 'hash' or 'pseudonymised'."""
    with connection.cursor() as cursor:
        cursor.execute(_POLICY_SQL, [tenant.pk, feature])
        row = cursor.fetchone()
    chosen = row[0] if row else ""
    default = config.get("AKTENKUNDIG_AUDIT_CONTENT").strip().lower()
    value = chosen or default
    if value not in AuditContent.values:
        raise ValueError(
            f"AKTENKUNDIG_AUDIT_CONTENT muss 'hash' oder 'pseudonymised' sein, nicht {value!r}"
        )
    return value


def log_ai_interaction(
    tenant: Tenant,
    *,
    feature: str,
    user: Any = None,
    backend: str = "",
    model: str = "",
    model_version: str = "",
    prompt_version: str = "",
    source_ids: Iterable[Any] = (),
    input_text: str | None = None,
    output_text: str | None = None,
    latency_ms: float | None = None,
    case_ref: str = "",
    extra: dict[str, Any] | None = None,
    content: str | None = None,
    system_actor: str = "",
) -> Appended:
    """Record one AI request. Pass *pseudonymised* input and output text.

    Per the tenant's KI-Richtlinie (or ``content``) the texts are kept verbatim
    ('pseudonymised') or only as SHA-256 digests ('hash').
    """
    policy = content or content_policy(tenant, feature)
    data: dict[str, Any] = {
        "backend": backend,
        "model": model,
        "model_version": model_version,
        "prompt_version": prompt_version,
        "sources": [str(s) for s in source_ids],
        "latency_ms": None if latency_ms is None else round(float(latency_ms), 3),
        "content": policy,
    }
    for name, text in (("input", input_text), ("output", output_text)):
        if text is not None:
            data[name] = text if policy == AuditContent.PSEUDONYMISED else text_digest(text)
    if extra:
        data["extra"] = extra
    return append(tenant, "ai", data, user=user, feature=feature, case_ref=case_ref,
                  system_actor=system_actor)


def log_human_action(
    tenant: Tenant,
    *,
    user: Any,
    action: str,
    feature: str = "",
    case_ref: str = "",
    details: dict[str, Any] | None = None,
) -> Appended:
    """Record what a person did with AI output (accepted, overrode, reviewed, ...)."""
    return append(
        tenant, "human", {"action": action, **(details or {})},
        user=user, feature=feature, case_ref=case_ref,
    )


def log_governance_event(
    tenant: Tenant, *, user: Any, action: str, details: dict[str, Any] | None = None,
    feature: str = "",
) -> Appended:
    """Record a governance change (approval, kill switch, policy change)."""
    return append(
        tenant, "governance", {"action": action, **(details or {})}, user=user, feature=feature
    )


def log_data_event(
    tenant: Tenant, *, user: Any = None, action: str, details: dict[str, Any] | None = None,
    system_actor: str = "",
) -> Appended:
    """Record a change to what data exists or who may see it: a collection's level,
    public flag or units changed, a document uploaded into, replaced in or deleted
    from a collection. ``details`` carries before and after (no document content)."""
    return append(
        tenant, "data", {"action": action, **(details or {})},
        user=user, system_actor=system_actor,
    )


# --------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Problem:
    seq: int | None
    kind: str  # modified, missing, broken_link, reordered, truncated, signature, checkpoint
    message: str


@dataclass
class VerifyResult:
    tenant: str
    records: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    problems: list[Problem] = field(default_factory=list)
    #: The anchor outside the database knew this tenant (False: not checked).
    anchored: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_break(self) -> int | None:
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None


def _rows(tenant_id: int, batch: int, upto: int | None) -> Iterator[tuple]:
    """All records in sequence order, read in keyset pages (constant memory)."""
    table = AuditRecord._meta.db_table
    limit_clause = "" if upto is None else " AND seq <= %s"
    sql = (
        f"SELECT seq, prev_hash, hash, body, kind, feature, case_ref, actor, created_at "  # noqa: S608
        f"FROM {table} "
        f"WHERE tenant_id = %s AND seq > %s{limit_clause} ORDER BY seq LIMIT %s"
    )
    last = -1
    with connection.cursor() as cursor:
        while True:
            params = [tenant_id, last] + ([upto] if upto is not None else []) + [batch]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]
            if len(rows) < batch:
                return


def verify_chain(
    tenant: Tenant, *, batch: int = 20000, upto: int | None = None,
    anchors: anchor.Anchors | None = None,
) -> VerifyResult:
    """Check the whole chain of ``tenant``; every problem names its record.

    Without ``upto``, the head row and the anchor outside the database are checked
    too (``anchors``: read once by the caller when verifying many tenants)."""
    tenant_id = tenant.pk
    result = VerifyResult(tenant=tenant.slug)
    problems = result.problems
    checkpoints = {}
    for cp in AuditCheckpoint.objects.filter(tenant_id=tenant_id):
        if _signature_ok(tenant_id, cp.seq, cp.hash, cp.signature):
            checkpoints[cp.seq] = cp.hash
        else:
            problems.append(Problem(cp.seq, "checkpoint",
                                    f"Prüfpunkt bei Eintrag {cp.seq} ist nicht gültig signiert."))
    head = AuditHead.objects.filter(pk=tenant_id).first()

    expected_seq: int | None = None
    expected_prev = GENESIS
    if anchors is None and upto is None:
        anchors = anchor.read(_key())
    anchored = anchors.latest.get(tenant_id) if anchors is not None else None
    anchored_hash_seen: str | None = None
    sha256 = hashlib.sha256
    count = 0
    last_seq = None
    seen_v2 = False
    # The hot loop inlines record_hash(): 1M records must verify in well under 30 s.
    for seq, prev_hash, stored_hash, body, kind, feature, case_ref, actor, created in _rows(
        tenant_id, batch, upto
    ):
        if expected_seq is None:
            result.first_seq = seq
            if seq != 1:
                if seq - 1 in checkpoints:
                    expected_prev = checkpoints[seq - 1]
                else:
                    problems.append(Problem(seq, "missing", (
                        f"Einträge 1 bis {seq - 1} fehlen, und es gibt keinen signierten "
                        "Prüfpunkt (gelöscht ohne ordnungsgemäße Bereinigung)."
                    )))
                    expected_prev = prev_hash
            expected_seq = seq
        count += 1
        if body.endswith(_V2_SUFFIX):
            seen_v2 = True
            tail = f"|{micros(created)}"
        else:
            tail = ""
            if seen_v2:  # a version-1 record after version 2: forged without created_at
                problems.append(Problem(seq, "modified", (
                    f"Eintrag {seq} hat ein veraltetes Format hinter neueren Einträgen "
                    "(nachträglich eingefügt oder verändert)."
                )))
        computed = sha256(
            f"{prev_hash}|{tenant_id}|{seq}|{len(kind)}:{kind}|{len(feature)}:{feature}|"
            f"{len(case_ref)}:{case_ref}|{len(actor)}:{actor}|{body}{tail}".encode()
        ).hexdigest()
        if anchored is not None and seq == anchored[0]:
            anchored_hash_seen = stored_hash
        if computed != stored_hash or seq != expected_seq or prev_hash != expected_prev:
            _diagnose(problems, tenant_id, seq, expected_seq, expected_prev, prev_hash,
                      computed != stored_hash, body)
        if checkpoints and seq in checkpoints and checkpoints[seq] != stored_hash:
            problems.append(Problem(seq, "checkpoint", (
                f"Eintrag {seq} passt nicht zum signierten Prüfpunkt (Kette neu berechnet)."
            )))
        expected_prev = stored_hash  # resynchronise: report each tampering once
        expected_seq = seq + 1
        last_seq = seq
    result.records = count
    result.last_seq = last_seq

    if upto is None:
        _check_head(result, head, tenant_id, expected_prev, checkpoints)
        if anchors is not None:
            _check_anchor(result, anchors, anchored, anchored_hash_seen, head, checkpoints)
    return result


def _check_anchor(result: VerifyResult, anchors: anchor.Anchors,
                  anchored: tuple[int, str] | None, seen_hash: str | None,
                  head: AuditHead | None, checkpoints: dict[int, str]) -> None:
    """Compare the chain with the anchor outside the database (a lower bound)."""
    problems = result.problems
    if anchors.bad_lines:
        numbers = ", ".join(str(n) for n in anchors.bad_lines[:5])
        problems.append(Problem(None, "anchor", (
            f"{len(anchors.bad_lines)} Zeile(n) der Ankerdatei sind nicht gültig signiert "
            f"(Zeile {numbers}): die Ankerdatei wurde verändert."
        )))
    if anchored is None:
        return
    result.anchored = True
    seq, anchored_hash = anchored
    last = max(result.last_seq or 0, head.seq if head is not None else 0)
    if seq > last:
        start = (result.last_seq or 0) + 1
        problems.append(Problem(start, "truncated", (
            f"Der Anker außerhalb der Datenbank kennt Eintrag {seq}, die Datenbank endet "
            f"bei {result.last_seq or 0}: Einträge {start} bis {seq} wurden gelöscht "
            "(mitsamt dem Kettenkopf)."
        )))
    elif seen_hash is not None:
        if seen_hash != anchored_hash:
            problems.append(Problem(seq, "modified", (
                f"Eintrag {seq} passt nicht zum Anker außerhalb der Datenbank "
                "(die Kette wurde ab hier neu geschrieben)."
            )))
    elif seq in checkpoints and checkpoints[seq] != anchored_hash:
        problems.append(Problem(seq, "checkpoint", (
            f"Der Prüfpunkt bei Eintrag {seq} passt nicht zum Anker außerhalb der Datenbank."
        )))


def _diagnose(problems: list[Problem], tenant_id: int, seq: int, expected_seq: int,
              expected_prev: str, prev_hash: str, hash_wrong: bool, body: str) -> None:
    """Name what went wrong at ``seq`` (the slow path; runs only on a break)."""
    if seq != expected_seq:
        problems.append(Problem(seq, "missing", (
            f"Einträge {expected_seq} bis {seq - 1} fehlen (gelöscht)."
            if seq > expected_seq + 1 else f"Eintrag {expected_seq} fehlt (gelöscht)."
        )))
        return
    try:
        parsed = json.loads(body)
        position = (parsed.get("t"), parsed.get("n"))
    except (ValueError, AttributeError):
        problems.append(Problem(seq, "modified", f"Eintrag {seq} ist kein gültiges JSON."))
        return
    if position != (tenant_id, seq):
        problems.append(Problem(seq, "reordered", (
            f"An Position {seq} steht Eintrag {position[1]} (Mandant {position[0]}): "
            "umsortiert oder eingefügt."
        )))
    elif hash_wrong:
        problems.append(Problem(seq, "modified", f"Eintrag {seq} wurde nachträglich verändert."))
    elif prev_hash != expected_prev:
        problems.append(Problem(seq, "broken_link", (
            f"Die Kette bricht vor Eintrag {seq}: ein Eintrag davor wurde eingefügt, "
            "gelöscht oder verändert."
        )))


def _check_head(result: VerifyResult, head: AuditHead | None, tenant_id: int,
                last_hash: str, checkpoints: dict[int, str]) -> None:
    problems = result.problems
    if head is None:
        if result.records:
            problems.append(Problem(None, "signature", "Der Kettenkopf fehlt."))
        return
    if not _signature_ok(tenant_id, head.seq, head.hash, head.signature):
        problems.append(Problem(head.seq, "signature", (
            "Die Signatur des Kettenkopfs ist ungültig: die Kette wurde neu berechnet "
            "oder der Kopf verändert."
        )))
    last_seq = result.last_seq
    if last_seq is None:
        if head.seq and checkpoints.get(head.seq) != head.hash:
            problems.append(Problem(1, "missing", f"Alle {head.seq} Einträge fehlen."))
        return
    if head.seq > last_seq:
        problems.append(Problem(last_seq + 1, "truncated", (
            f"Einträge {last_seq + 1} bis {head.seq} am Ende der Kette fehlen."
        )))
    elif head.seq < last_seq:
        problems.append(Problem(head.seq + 1, "truncated", (
            f"Einträge {head.seq + 1} bis {last_seq} wurden nach dem Kettenende angefügt."
        )))
    elif head.hash != last_hash:
        problems.append(Problem(last_seq, "modified", (
            f"Der letzte Eintrag {last_seq} passt nicht zum Kettenkopf."
        )))


def vanished_tenants(anchors: anchor.Anchors) -> list[tuple[int, int]]:
    """(tenant id, anchored seq) of tenants the anchor knows but the database lost."""
    known = set(Tenant.objects.filter(pk__in=list(anchors.latest)).values_list("pk", flat=True))
    return [(tid, seq) for tid, (seq, _h) in sorted(anchors.latest.items()) if tid not in known]


# --------------------------------------------------------------------------- retention


def retention_days() -> int:
    days = config.get_int("AKTENKUNDIG_AUDIT_RETENTION_DAYS")
    if days < MIN_RETENTION_DAYS:
        raise ValueError(
            f"AKTENKUNDIG_AUDIT_RETENTION_DAYS muss mindestens {MIN_RETENTION_DAYS} Tage "
            f"(sechs Monate, Art. 26 Abs. 6 KI-VO) betragen, nicht {days}."
        )
    return days


class ChainBroken(RuntimeError):
    """Refusing to prune (and so launder) a chain that does not verify."""


@dataclass(frozen=True)
class PruneResult:
    deleted: int
    checkpoint_seq: int | None


def checkpoint(tenant: Tenant, *, reason: str = "manual") -> AuditCheckpoint | None:
    """Sign the current head as a checkpoint (e.g. daily, or before a backup)."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=tenant.pk).first()
        if head is None or head.seq == 0:
            return None
        found = AuditCheckpoint.objects.filter(tenant=tenant, seq=head.seq).first()
        made = found or AuditCheckpoint.objects.create(
            tenant=tenant, seq=head.seq, hash=head.hash, reason=reason,
            signature=sign(tenant.pk, head.seq, head.hash),
        )
    # Keep the append-only anchor small: the newest line per tenant is all it needs.
    anchor.compact(_key())
    return made


def prune(
    tenant: Tenant, *, now: dt.datetime | None = None, days: int | None = None
) -> PruneResult:
    """Delete records older than the retention period, leaving a signed checkpoint."""
    days = retention_days() if days is None else days
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"Aufbewahrung unter {MIN_RETENTION_DAYS} Tagen ist nicht zulässig.")
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    with transaction.atomic():
        AuditHead.objects.select_for_update().filter(pk=tenant.pk).first()
        # The whole chain first (head and anchor included): after that, every
        # record's time is the hashed one, so a back-dated record (issue #10, 5)
        # stops the prune instead of steering it.
        check = verify_chain(tenant)
        if not check.ok:
            raise ChainBroken(
                f"Das Protokoll von {tenant.slug} ist beschädigt (erster Fehler bei Eintrag "
                f"{check.first_break}); es wird nichts gelöscht."
            )
        last_old = (
            AuditRecord.objects.filter(tenant=tenant, created_at__lt=cutoff)
            .order_by("-seq").values_list("seq", "hash", "body").first()
        )
        if last_old is None:
            return PruneResult(0, None)
        seq, record_hash, body = last_old
        # Version-1 records do not hash created_at; their body's time decides.
        stamped = dt.datetime.fromisoformat(json.loads(body)["ts"])
        if stamped.tzinfo is None:
            stamped = stamped.replace(tzinfo=dt.UTC)
        if stamped >= cutoff:
            raise ChainBroken(
                f"Eintrag {seq} von {tenant.slug} ist jünger als die Aufbewahrungsfrist, "
                "obwohl seine Zeitspalte anderes sagt; es wird nichts gelöscht."
            )
        AuditCheckpoint.objects.get_or_create(
            tenant=tenant, seq=seq,
            defaults={"hash": record_hash, "reason": "prune",
                      "signature": sign(tenant.pk, seq, record_hash)},
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {AuditRecord._meta.db_table} "  # noqa: S608
                "WHERE tenant_id = %s AND seq <= %s",
                [tenant.pk, seq],
            )
            deleted = cursor.rowcount
    return PruneResult(deleted, seq)


# --------------------------------------------------------------------------- reading


def records_for_case(tenant: Tenant, case_ref: str) -> list[dict[str, Any]]:
    """Every record about one case, parsed, in chain order (tenant-scoped)."""
    out = []
    for _seq, record_hash, body in AuditRecord.objects.filter(
        tenant=tenant, case_ref=case_ref
    ).order_by("seq").values_list("seq", "hash", "body"):
        parsed = json.loads(body)
        parsed["hash"] = record_hash
        out.append(parsed)
    return out
