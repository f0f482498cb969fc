"""Load test of the citizen chatbot, on loopback only, bounded in time.

    python bench/load_citizen.py [--sessions 50] [--duration 120] [--no-abuser]

What it does:

1. builds a throw-away embedded installation (SQLite, extractive answers, no
   LLM) in a temporary data directory and ingests the Landkreis Göppingen part
   of RAGSource (``../shared/data/corpus/ragsource-badboll``, CC BY 4.0) into a
   public collection;
2. starts ``aktenkundig serve`` (gunicorn, by default 2 processes x 8 threads,
   the embedded default) on 127.0.0.1;
3. runs ``--sessions`` citizen conversations at once for ``--duration`` seconds.
   Each session has its own loopback source address (127.0.0.x), asks questions
   from ``qa/ragsource-dev.jsonl`` (answerable and unanswerable ones) and pauses
   6-12 s between questions, like a person reading an answer and typing the next;
4. meanwhile one abusive client (own address) sends questions as fast as it can;
   the per-IP limit must stop it (429 + Retry-After) without slowing the others.

Prints a JSON report (throughput, p50/p95/max latency of normal sessions, status
counts, abuser's counts) and exits non-zero if p95 >= 1 s or any 5xx occurred.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.exists():
    SHARED = Path("/work/shared/data")
CORPUS = SHARED / "corpus" / "ragsource-badboll" / "Regelungsmodul-LKR-GP"
QUESTIONS = SHARED / "qa" / "ragsource-dev.jsonl"
TOKEN = re.compile(r'data-token="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict[str, str]) -> None:
    """Migrate, create tenant and public collection, ingest the corpus."""
    script = f"""
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from aktenkundig.core.models import AccessLevel, Collection, Tenant
from aktenkundig.citizen.models import ChannelSettings
from aktenkundig.documents.services import ingest_paths
tenant = Tenant.objects.create(slug="goeppingen", name="Landkreis Göppingen",
                               contact="info@landkreis-goeppingen.example")
ChannelSettings.objects.create(tenant=tenant)
# The chatbot only answers with an approved KI-Register entry: the real
# four-eyes workflow (a Fachadmin submits, a KI-Beauftragte approves).
from django.contrib.auth import get_user_model
from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import add_member
from aktenkundig.governance import register
from aktenkundig.governance.models import RegisterEntry
users = get_user_model().objects
editor = users.create_user("fachadmin", password="load-test-only-1")
add_member(editor, tenant, [Role.SUBJECT_ADMIN])
officer = users.create_user("ki-beauftragte", password="load-test-only-2")
add_member(officer, tenant, [Role.AI_OFFICER])
register.ensure_default_entries(tenant)
entry = RegisterEntry.objects.get(tenant=tenant, feature="citizen")
register.update_entry(entry, editor, status="in_use", responsible_unit="Bürgerbüro",
                      legal_basis="Art. 6 Abs. 1 lit. e DSGVO")
register.submit(entry, editor)
register.approve(entry, officer)
public = Collection.objects.create(tenant=tenant, name="Satzungen",
                                   access_level=AccessLevel.OFFEN, is_public=True)
report = ingest_paths([{str(CORPUS)!r}], public)
print(report.summary())
# What the background embedding thread of a running installation does after an
# upload; this throw-away process would exit before it finishes.
from aktenkundig.search.services import embed_pending, wait_for_background_embeddings
wait_for_background_embeddings()
print("vectors:", embed_pending(tenant=tenant))
"""
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=1800)


def load_questions() -> list[str]:
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    answerable = [r["question"] for r in rows if r["module"] == "Regelungsmodul-LKR-GP"]
    other = [r["question"] for r in rows if r["module"] != "Regelungsmodul-LKR-GP"]
    # Mostly answerable questions, some the corpus cannot answer (knowledge gaps).
    return answerable * 3 + other[:40]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        # Split by whether any client asked the question before: repeats can be
        # served from the answer cache, first-time questions cannot.
        self.first: list[float] = []
        self.repeat: list[float] = []
        self.codes: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()

    def add(self, code: int, seconds: float, first: bool = False) -> None:
        with self.lock:
            self.codes[code] += 1
            if code == 200:
                self.latencies.append(seconds)
                (self.first if first else self.repeat).append(seconds)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


ASKED: set[str] = set()
ASKED_LOCK = threading.Lock()


def _first_time(question: str) -> bool:
    with ASKED_LOCK:
        new = question not in ASKED
        ASKED.add(question)
    return new


def citizen(index, url, questions, stop_at, stats, abusive=False) -> None:
    address = f"127.0.{1 if abusive else 0}.{index + 2}"
    rng = random.Random(index)
    transport = httpx.HTTPTransport(local_address=address)
    token = ""
    with httpx.Client(transport=transport, timeout=30) as client:
        while time.monotonic() < stop_at:
            data = {"message": rng.choice(questions)}
            first = _first_time(data["message"])
            if token and not abusive:
                data["token"] = token
            started = time.perf_counter()
            try:
                response = client.post(url, data=data, headers={"X-Requested-With": "fetch"})
            except httpx.HTTPError as error:
                stats.error(type(error).__name__)
                time.sleep(1)
                continue
            stats.add(response.status_code, time.perf_counter() - started, first)
            match = TOKEN.search(response.text)
            if match and match.group(1):
                token = match.group(1)
            if abusive:
                if response.status_code == 429:
                    time.sleep(0.05)
                continue
            pause = rng.uniform(6, 12)
            time.sleep(max(0.0, min(pause, stop_at - time.monotonic())))


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-abuser", action="store_true")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="aktenkundig-load-")
    print(f"data directory: {data_dir}", file=sys.stderr)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "AKTENKUNDIG_DATA_DIR": data_dir,
        "AKTENKUNDIG_LLM_BASE_URL": "",
        "AKTENKUNDIG_DATABASE_URL": "",
        "AKTENKUNDIG_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "aktenkundig.settings",
    }
    t0 = time.perf_counter()
    prepare(env)
    setup_seconds = time.perf_counter() - t0

    port = free_port()
    server_log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            sys.executable, "-m", "aktenkundig", "serve", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(args.workers),
            "--threads", str(args.threads), "--timeout", "60",
        ],
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/buerger/goeppingen/"
    try:
        for _ in range(120):
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        questions = load_questions()
        # Warm-up: every worker process loads the embedding, language-detection
        # and moderation models once; parallel requests reach all workers.
        def warm(n: int) -> None:
            transport = httpx.HTTPTransport(local_address=f"127.0.2.{n + 1}")
            with httpx.Client(transport=transport) as c:
                for question in questions[n * 2 : n * 2 + 2]:
                    c.post(url, data={"message": question}, timeout=120)

        warmers = [threading.Thread(target=warm, args=(n,)) for n in range(2 * args.workers)]
        for thread in warmers:
            thread.start()
        for thread in warmers:
            thread.join()
        for question in questions[: 4 * args.workers]:
            _first_time(question)

        stats, abuse = Stats(), Stats()
        stop_at = time.monotonic() + args.duration
        threads = [
            threading.Thread(target=citizen, args=(i, url, questions, stop_at, stats))
            for i in range(args.sessions)
        ]
        if not args.no_abuser:
            threads.append(
                threading.Thread(
                    target=citizen, args=(0, url, questions, stop_at, abuse, True)
                )
            )
        started = time.perf_counter()
        for thread in threads:
            thread.start()
            time.sleep(0.02)  # sessions arrive over a second, not in one instant
        for thread in threads:
            thread.join(args.duration + 60)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        server_log.close()

    lat = stats.latencies
    five_xx = sum(n for code, n in stats.codes.items() if code >= 500) + sum(
        n for code, n in abuse.codes.items() if code >= 500
    )
    report = {
        "sessions": args.sessions,
        "server": f"aktenkundig serve, {args.workers} workers x {args.threads} threads",
        "duration_s": args.duration,
        "setup_s": round(setup_seconds, 1),
        "requests": sum(stats.codes.values()),
        "throughput_rps": round(sum(stats.codes.values()) / elapsed, 2),
        "p50_ms": round(percentile(lat, 50) * 1000, 1),
        "p95_ms": round(percentile(lat, 95) * 1000, 1),
        "max_ms": round(max(lat) * 1000, 1) if lat else None,
        "first_time_questions": len(stats.first),
        "first_time_p50_ms": round(percentile(stats.first, 50) * 1000, 1),
        "first_time_p95_ms": round(percentile(stats.first, 95) * 1000, 1),
        "repeated_p50_ms": round(percentile(stats.repeat, 50) * 1000, 1),
        "repeated_p95_ms": round(percentile(stats.repeat, 95) * 1000, 1),
        "status": dict(stats.codes),
        "client_errors": dict(stats.errors),
        "abuser_status": dict(abuse.codes),
        "abuser_client_errors": dict(abuse.errors),
        "abuser_requests_per_s": round(sum(abuse.codes.values()) / elapsed, 1),
        "5xx": five_xx,
    }
    print(json.dumps(report, indent=2))
    ok = report["p95_ms"] < 1000 and five_xx == 0 and not stats.errors
    ok = ok and (args.no_abuser or abuse.codes.get(429, 0) > 0)
    ok = ok and stats.codes.get(429, 0) == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
