import datetime as dt
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from aktenkundig.governance import audit
from aktenkundig.governance.models import (
    AuditCheckpoint,
    AuditHead,
    AuditRecord,
    FeaturePolicy,
    ImmutableError,
)

TABLE = AuditRecord._meta.db_table


def _fill(tenant, user, n=10, case_ref=""):
    for i in range(n):
        audit.log_ai_interaction(
            tenant, feature="assistant", user=user, backend="llama.cpp", model="smollm2",
            model_version="1.7b-q4", prompt_version="answer-v3", source_ids=[f"chunk-{i}", 7],
            input_text=f"Frage {i} zu [PERSON_1]", output_text=f"Antwort {i}",
            latency_ms=12.5 + i, case_ref=case_ref,
        )


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _kinds(result):
    return {(p.kind, p.seq) for p in result.problems}


def test_intact_chain_verifies_and_records_what_the_ai_did(tenant, clerk):
    _fill(tenant, clerk, 5, case_ref="AZ-1")
    result = audit.verify_chain(tenant)
    assert result.ok and result.records == 5 and (result.first_seq, result.last_seq) == (1, 5)
    record = AuditRecord.objects.get(tenant=tenant, seq=3)
    body = json.loads(record.body)
    assert record.body == audit.canonical_json(body)  # stored canonically
    assert record.hash == audit.record_hash(record.prev_hash, tenant.pk, 3, "ai", "assistant",
                                            "AZ-1", "sachbearbeitung", record.body,
                                            record.created_at)
    assert record.prev_hash == AuditRecord.objects.get(tenant=tenant, seq=2).hash
    data = body["data"]
    assert body["actor"] == {"id": clerk.pk, "name": "sachbearbeitung"}
    assert body["feature"] == "assistant" and body["case"] == "AZ-1"
    assert data["model_version"] == "1.7b-q4" and data["prompt_version"] == "answer-v3"
    assert data["sources"] == ["chunk-2", "7"] and data["latency_ms"] == 14.5
    # default policy: only digests of the (pseudonymised) texts
    assert data["content"] == "hash" and data["input"].startswith("sha256:")
    assert "Frage" not in record.body


def test_pseudonymised_text_is_kept_when_the_policy_says_so(tenant, clerk):
    FeaturePolicy.objects.filter(tenant=tenant, feature="assistant").update(
        audit_content="pseudonymised"
    )
    record = audit.log_ai_interaction(tenant, feature="assistant", user=clerk,
                                      input_text="Wann hat [PERSON_1] Geburtstag?")
    assert json.loads(record.body)["data"]["input"] == "Wann hat [PERSON_1] Geburtstag?"


def test_orm_refuses_to_change_or_delete_records(tenant, clerk):
    _fill(tenant, clerk, 1)
    record = AuditRecord.objects.get(tenant=tenant)
    with pytest.raises(ImmutableError):
        record.save()
    with pytest.raises(ImmutableError):
        record.delete()
    with pytest.raises(ImmutableError):
        AuditRecord.objects.filter(tenant=tenant).update(actor="x")
    with pytest.raises(ImmutableError):
        AuditRecord.objects.filter(tenant=tenant).delete()


def test_modification_is_detected_and_located(tenant, clerk):
    _fill(tenant, clerk, 10)
    body = AuditRecord.objects.get(tenant=tenant, seq=4).body
    _sql(f"UPDATE {TABLE} SET body = %s WHERE tenant_id = %s AND seq = 4",  # noqa: S608
         [body.replace("smollm2", "gpt-9"), tenant.pk])
    result = audit.verify_chain(tenant)
    assert not result.ok and result.first_break == 4
    assert ("modified", 4) in _kinds(result)
    assert len(result.problems) == 1  # resynchronises: later records are fine


def test_modified_index_column_is_detected(tenant, clerk):
    _fill(tenant, clerk, 3, case_ref="AZ-7")
    _sql(f"UPDATE {TABLE} SET case_ref = 'AZ-8' WHERE tenant_id = %s AND seq = 2",  # noqa: S608
         [tenant.pk])
    assert ("modified", 2) in _kinds(audit.verify_chain(tenant))


def test_deletion_is_detected_and_located(tenant, clerk):
    _fill(tenant, clerk, 10)
    _sql(f"DELETE FROM {TABLE} WHERE tenant_id = %s AND seq IN (5, 6)", [tenant.pk])  # noqa: S608
    result = audit.verify_chain(tenant)
    assert result.first_break == 7 and ("missing", 7) in _kinds(result)
    assert "5 bis 6" in result.problems[0].message


def test_deleting_the_first_and_last_records_is_detected(tenant, clerk):
    _fill(tenant, clerk, 6)
    _sql(f"DELETE FROM {TABLE} WHERE tenant_id = %s AND seq IN (1, 6)", [tenant.pk])  # noqa: S608
    kinds = _kinds(audit.verify_chain(tenant))
    assert ("missing", 2) in kinds and ("truncated", 6) in kinds


def test_insertion_is_detected(tenant, clerk):
    _fill(tenant, clerk, 6)
    # make room after record 3 and insert a forged record with a self-consistent hash
    _sql(f"UPDATE {TABLE} SET seq = seq + 1000 WHERE tenant_id = %s AND seq > 3",  # noqa: S608
         [tenant.pk])
    _sql(f"UPDATE {TABLE} SET seq = seq - 999 WHERE tenant_id = %s AND seq > 1000",  # noqa: S608
         [tenant.pk])
    third = AuditRecord.objects.get(tenant=tenant, seq=3)
    when = timezone.now()
    forged = audit.canonical_json({"v": 2, "t": tenant.pk, "n": 4, "ts": when.isoformat(),
                                   "kind": "human", "feature": "", "case": "", "actor": None,
                                   "data": {"action": "accepted"}})
    _sql(f"INSERT INTO {TABLE} (tenant_id, seq, created_at, kind, feature, case_ref, actor, "  # noqa: S608
         "body, prev_hash, hash) VALUES (%s, 4, %s, 'human', '', '', '', %s, %s, %s)",
         [tenant.pk, when, forged, third.hash,
          audit.record_hash(third.hash, tenant.pk, 4, "human", "", "", "", forged, when)])
    result = audit.verify_chain(tenant)
    assert not result.ok and result.first_break == 5
    assert ("reordered", 5) in _kinds(result)


def test_appending_behind_the_head_is_detected(tenant, clerk):
    _fill(tenant, clerk, 3)
    last = AuditRecord.objects.get(tenant=tenant, seq=3)
    when = timezone.now()
    forged = audit.canonical_json({"v": 2, "t": tenant.pk, "n": 4, "ts": when.isoformat(),
                                   "kind": "ai", "feature": "", "case": "", "actor": None,
                                   "data": {}})
    _sql(f"INSERT INTO {TABLE} (tenant_id, seq, created_at, kind, feature, case_ref, actor, "  # noqa: S608
         "body, prev_hash, hash) VALUES (%s, 4, %s, 'ai', '', '', '', %s, %s, %s)",
         [tenant.pk, when, forged, last.hash,
          audit.record_hash(last.hash, tenant.pk, 4, "ai", "", "", "", forged, when)])
    assert ("truncated", 4) in _kinds(audit.verify_chain(tenant))


def test_reordering_is_detected(tenant, clerk):
    _fill(tenant, clerk, 8)
    _sql(f"UPDATE {TABLE} SET seq = -1 WHERE tenant_id = %s AND seq = 3", [tenant.pk])  # noqa: S608
    _sql(f"UPDATE {TABLE} SET seq = 3 WHERE tenant_id = %s AND seq = 6", [tenant.pk])  # noqa: S608
    _sql(f"UPDATE {TABLE} SET seq = 6 WHERE tenant_id = %s AND seq = -1", [tenant.pk])  # noqa: S608
    result = audit.verify_chain(tenant)
    assert result.first_break == 3
    assert {("reordered", 3), ("reordered", 6)} <= _kinds(result)


def test_recomputing_the_whole_chain_fails_on_the_signed_head(tenant, clerk):
    _fill(tenant, clerk, 4)
    # an attacker with database access rewrites record 2 and recomputes every hash after it
    prev = AuditRecord.objects.get(tenant=tenant, seq=1).hash
    for seq in range(2, 5):
        record = AuditRecord.objects.get(tenant=tenant, seq=seq)
        body = record.body.replace("smollm2", "other") if seq == 2 else record.body
        new_hash = audit.record_hash(prev, tenant.pk, seq, record.kind, record.feature,
                                     record.case_ref, record.actor, body, record.created_at)
        _sql(f"UPDATE {TABLE} SET body = %s, prev_hash = %s, hash = %s "  # noqa: S608
             "WHERE tenant_id = %s AND seq = %s", [body, prev, new_hash, tenant.pk, seq])
        prev = new_hash
    _sql(f"UPDATE {AuditHead._meta.db_table} SET hash = %s WHERE tenant_id = %s",  # noqa: S608
         [prev, tenant.pk])
    result = audit.verify_chain(tenant)
    assert not result.ok
    assert {p.kind for p in result.problems} == {"signature"}


def test_chains_are_per_tenant(tenant, other_tenant, clerk):
    _fill(tenant, clerk, 3)
    audit.log_human_action(other_tenant, user=None, action="accepted")
    assert AuditRecord.objects.get(tenant=other_tenant).seq == 1
    # moving a record to another tenant's chain is detected there
    _sql(f"UPDATE {TABLE} SET tenant_id = %s, seq = 2 WHERE tenant_id = %s AND seq = 3",  # noqa: S608
         [other_tenant.pk, tenant.pk])
    assert ("reordered", 2) in _kinds(audit.verify_chain(other_tenant))
    assert ("truncated", 3) in _kinds(audit.verify_chain(tenant))


def _fill_old(tenant, user, n, days):
    """``n`` records written ``days`` ago (the clock is moved, not the rows: the
    time of a record is hashed, so editing it afterwards breaks the chain)."""
    then = timezone.now() - dt.timedelta(days=days)
    with mock.patch.object(audit.timezone, "now", return_value=then):
        _fill(tenant, user, n)


def test_pruning_leaves_a_signed_checkpoint_and_the_rest_still_verifies(tenant, clerk):
    _fill_old(tenant, clerk, 6, days=200)
    _fill(tenant, clerk, 4)
    result = audit.prune(tenant)
    assert (result.deleted, result.checkpoint_seq) == (6, 6)
    assert AuditCheckpoint.objects.get(tenant=tenant, seq=6).reason == "prune"
    check = audit.verify_chain(tenant)
    assert check.ok and (check.first_seq, check.records) == (7, 4)
    _fill(tenant, clerk, 2)
    assert audit.verify_chain(tenant).ok
    # nothing newer than the retention period is pruned
    assert audit.prune(tenant).deleted == 0


def test_forged_or_missing_checkpoint_is_detected(tenant, clerk):
    _fill_old(tenant, clerk, 3, days=400)
    _fill(tenant, clerk, 5)
    audit.prune(tenant)
    _sql(f"UPDATE {AuditCheckpoint._meta.db_table} SET hash = %s WHERE tenant_id = %s",  # noqa: S608
         ["f" * 64, tenant.pk])
    kinds = {p.kind for p in audit.verify_chain(tenant).problems}
    assert "checkpoint" in kinds
    _sql(f"DELETE FROM {AuditCheckpoint._meta.db_table} WHERE tenant_id = %s", [tenant.pk])  # noqa: S608
    assert ("missing", 4) in _kinds(audit.verify_chain(tenant))


def test_pruning_refuses_to_launder_a_broken_chain(tenant, clerk):
    _fill_old(tenant, clerk, 4, days=300)
    _fill(tenant, clerk, 2)
    _sql(f"UPDATE {TABLE} SET body = body || ' ' WHERE tenant_id = %s AND seq = 2",  # noqa: S608
         [tenant.pk])
    with pytest.raises(audit.ChainBroken, match="Eintrag 2"):
        audit.prune(tenant)
    assert AuditRecord.objects.filter(tenant=tenant).count() == 6


def test_retention_below_six_months_is_refused(tenant, monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_AUDIT_RETENTION_DAYS", "90")
    with pytest.raises(ValueError, match="mindestens 183"):
        audit.prune(tenant)
    monkeypatch.setenv("AKTENKUNDIG_AUDIT_RETENTION_DAYS", "400")
    assert audit.retention_days() == 400


def test_manual_checkpoint_detects_later_recomputation(tenant, clerk):
    _fill(tenant, clerk, 3)
    assert audit.checkpoint(tenant).seq == 3
    assert audit.verify_chain(tenant).ok


def test_cli_verify_names_the_break_and_exits_1(tenant, clerk, capsys):
    _fill(tenant, clerk, 5)
    call_command("audit", "verify", "--tenant", tenant.slug)
    assert "in Ordnung" in capsys.readouterr().out
    _sql(f"DELETE FROM {TABLE} WHERE tenant_id = %s AND seq = 3", [tenant.pk])  # noqa: S608
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", "--tenant", tenant.slug)
    assert exit_info.value.code == 1
    out = capsys.readouterr()
    assert "Eintrag 3 fehlt" in out.out + out.err


def test_cli_verify_all_tenants_and_prune(tenant, other_tenant, clerk, capsys):
    _fill_old(tenant, clerk, 2, days=365)
    _fill(tenant, clerk, 2)
    audit.log_human_action(other_tenant, user=None, action="accepted")
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "musterstadt" in out and "nachbarort" in out
    call_command("audit", "prune")
    assert "2" in capsys.readouterr().out
    call_command("audit", "verify", "--tenant", tenant.slug)


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain(tenant):
    """Head-row lock serialises writers (PostgreSQL: SELECT ... FOR UPDATE).

    SQLite serialises writers with BEGIN IMMEDIATE on a database file; the test
    suite's in-memory shared-cache database has table locks that fail instead of
    waiting, so there the same check runs in bench/audit.py on a file database.
    """
    import threading

    if connection.vendor == "sqlite":
        pytest.skip("in-memory test database; concurrency on SQLite files: bench/audit.py")

    from django.db import connections

    errors = []

    def worker(n):
        try:
            for i in range(15):
                audit.log_human_action(tenant, user=None, action=f"w{n}-{i}")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = audit.verify_chain(tenant)
    assert result.ok and result.records == 60
    assert AuditHead.objects.get(pk=tenant.pk).seq == 60


def test_register_cli(tenant, editor, officer, live, capsys):
    live("citizen")
    call_command("register", "export", "--tenant", tenant.slug)
    assert '"musterstadt/citizen"' in capsys.readouterr().out
    call_command("register", "export", "--tenant", tenant.slug, "--csv")
    assert capsys.readouterr().out.startswith("id,version,approved_at")
    call_command("register", "status", "--tenant", tenant.slug)
    out = capsys.readouterr().out
    assert "citizen: freigegeben und veröffentlicht, v1 [an]" in out and "inbox: Entwurf" in out


@pytest.mark.django_db(transaction=True)
def test_relaxed_commit_setting_still_writes_a_valid_chain(tenant, clerk, monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_AUDIT_SYNCHRONOUS_COMMIT", "off")
    assert audit._relaxed_commit() == (connection.vendor == "postgresql")
    assert not connection.in_atomic_block  # so append() owns its transaction
    _fill(tenant, clerk, 3)
    assert audit.verify_chain(tenant).ok
