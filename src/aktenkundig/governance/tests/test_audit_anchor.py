"""Attacks on the audit trail that the chain alone does not catch (issue #10, 5).

Someone with write access to the database (not to the data directory's key)
deletes a tenant's records together with the head row, or back-dates the newest
record and lets ``audit prune`` delete everything. The anchor outside the
database and the hashed timestamps report both.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from aktenkundig.governance import anchor, audit
from aktenkundig.governance.models import AuditCheckpoint, AuditHead, AuditRecord

TABLE = AuditRecord._meta.db_table


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def filled(tenant, clerk, django_capture_on_commit_callbacks):
    """Five committed records (their anchor lines written as after a real commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            audit.log_human_action(tenant, user=clerk, action=f"accepted-{i}")
    return tenant


def test_wiping_records_and_head_row_is_reported(filled, audit_anchor, capsys):
    assert audit_anchor.read_text().count("\n") == 5
    assert audit.verify_chain(filled).ok
    _sql(f"DELETE FROM {TABLE} WHERE tenant_id = %s", [filled.pk])  # noqa: S608
    _sql(f"DELETE FROM {AuditHead._meta.db_table} WHERE tenant_id = %s", [filled.pk])  # noqa: S608
    _sql(f"DELETE FROM {AuditCheckpoint._meta.db_table} WHERE tenant_id = %s",  # noqa: S608
         [filled.pk])
    result = audit.verify_chain(filled)
    assert not result.ok
    assert ("truncated", 1) in {(p.kind, p.seq) for p in result.problems}
    assert "Eintrag 5" in result.problems[0].message
    with pytest.raises(SystemExit):
        call_command("audit", "verify", "--tenant", filled.slug)
    assert "in Ordnung" not in capsys.readouterr().out


def test_cutting_the_newest_records_with_a_recomputed_head_is_reported(filled):
    # the attacker cannot sign a head, so they delete it with the tail (a fresh
    # head row would otherwise be refused for its signature)
    _sql(f"DELETE FROM {TABLE} WHERE tenant_id = %s AND seq > 3", [filled.pk])  # noqa: S608
    _sql(f"DELETE FROM {AuditHead._meta.db_table} WHERE tenant_id = %s", [filled.pk])  # noqa: S608
    kinds = {(p.kind, p.seq) for p in audit.verify_chain(filled).problems}
    assert ("truncated", 4) in kinds


def test_backdating_the_newest_record_breaks_the_chain_and_prune_deletes_nothing(filled):
    _sql(f"UPDATE {TABLE} SET created_at = %s WHERE tenant_id = %s AND seq = 5",  # noqa: S608
         [timezone.now() - dt.timedelta(days=400), filled.pk])
    assert ("modified", 5) in {(p.kind, p.seq) for p in audit.verify_chain(filled).problems}
    with pytest.raises(audit.ChainBroken):
        audit.prune(filled)
    assert AuditRecord.objects.filter(tenant=filled).count() == 5
    assert not AuditCheckpoint.objects.filter(tenant=filled).exists()


def test_prune_honours_the_hashed_time_of_version_1_records(tenant, clerk):
    """Records of the old format do not hash created_at: the body's time decides."""
    for i in range(3):
        audit.log_human_action(tenant, user=clerk, action=f"a{i}")
    # rewrite the chain as it looked in format 1 (valid hashes, head re-signed as
    # the application would have), then back-date the column of the newest one
    prev = audit.GENESIS
    for record in AuditRecord.objects.filter(tenant=tenant).order_by("seq"):
        body = record.body.replace('"v":2}', '"v":1}')
        link = audit.record_hash(prev, tenant.pk, record.seq, record.kind, record.feature,
                                 record.case_ref, record.actor, body)
        _sql(f"UPDATE {TABLE} SET body = %s, prev_hash = %s, hash = %s "  # noqa: S608
             "WHERE tenant_id = %s AND seq = %s", [body, prev, link, tenant.pk, record.seq])
        prev = link
    AuditHead.objects.filter(pk=tenant.pk).update(
        hash=prev, signature=audit.sign(tenant.pk, 3, prev))
    assert audit.verify_chain(tenant).ok
    _sql(f"UPDATE {TABLE} SET created_at = %s WHERE tenant_id = %s",  # noqa: S608
         [timezone.now() - dt.timedelta(days=400), tenant.pk])
    with pytest.raises(audit.ChainBroken, match="jünger"):
        audit.prune(tenant)
    assert AuditRecord.objects.filter(tenant=tenant).count() == 3


def test_forged_anchor_line_is_reported(filled, audit_anchor):
    with audit_anchor.open("a") as handle:
        handle.write(f"v1 {filled.pk} 99 {'a' * 64} {'b' * 64}\n")
    result = audit.verify_chain(filled)
    assert {p.kind for p in result.problems} == {"anchor"}


def test_rolled_back_append_leaves_no_anchor_line(tenant, audit_anchor,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                audit.log_human_action(tenant, user=None, action="x")
                raise RuntimeError("caller failed")
        except RuntimeError:
            pass
    assert not audit_anchor.exists() or audit_anchor.read_text() == ""


def test_checkpoint_compacts_the_anchor_and_verify_still_holds(filled, audit_anchor):
    audit.checkpoint(filled)
    lines = audit_anchor.read_text().splitlines()
    assert len(lines) == 1 and lines[0].split()[2] == "5"
    assert audit.verify_chain(filled).ok and audit.verify_chain(filled).anchored


def test_a_deleted_tenant_is_reported_by_verify_all(filled, other_tenant, capsys,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit.log_human_action(other_tenant, user=None, action="accepted")
    assert other_tenant.pk in anchor.read(audit._key()).latest
    _sql(f"DELETE FROM {TABLE} WHERE tenant_id = %s", [other_tenant.pk])  # noqa: S608
    AuditHead.objects.filter(pk=other_tenant.pk).delete()
    other_tenant.delete()
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert "gibt es ihn nicht mehr" in capsys.readouterr().err
