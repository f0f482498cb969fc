"""Retrieval benchmark (not a test): BM25, dense and hybrid on public German data.

    PYTHONPATH=src python bench/retrieval.py [--only ragsource,xquad,speed]
        [--laws N] [--embed-sample N] [--tune]

* RAGSource dev (``../shared/data/qa/ragsource-dev.jsonl`` over
  ``corpus/ragsource-badboll/``): document-level Recall@1, Recall@5, MRR@10;
* XQuAD-de (``qa/xquad.de.json``): each paragraph one document, R@1, R@5;
* speed on ``corpus/bundesgesetze/``: ingestion throughput without embeddings, embedding
  throughput, warm query latency p50/p95.

Documents go through the product's own ingestion (chunking, index) into a throw-away
SQLite database under bench/.cache. Passage vectors (chunks and their sentence windows)
are cached on disk (bench/.cache/vectors.sqlite, keyed by model and text hash), so
re-runs and fusion tuning cost seconds instead of hours. Prints tables; copy them into
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")
CACHE = ROOT / "bench" / ".cache"

CACHE.mkdir(parents=True, exist_ok=True)
_DATA_DIR = tempfile.mkdtemp(prefix="retrieval-", dir=CACHE)
os.environ["AKTENKUNDIG_DATA_DIR"] = _DATA_DIR
os.environ.setdefault("AKTENKUNDIG_TASKS", "immediate")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402

from aktenkundig.core.models import AccessLevel  # noqa: E402
from aktenkundig.core.services import get_or_create_collection, get_tenant  # noqa: E402
from aktenkundig.documents.models import Chunk, Document  # noqa: E402
from aktenkundig.search import index, services  # noqa: E402
from aktenkundig.search.analyzer import analyzer  # noqa: E402


class VectorCache:
    """Passage vectors on disk, keyed by (model, sha256 of the exact text embedded)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS v "
            "(model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))"
        )

    def get(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        out = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT key, vec FROM v WHERE model = ? AND key IN ({marks})",  # noqa: S608
                [model, *part],
            )
            out.update({k: np.frombuffer(v, dtype=np.float32) for k, v in rows})
        return out

    def put(self, model: str, items: dict[str, np.ndarray]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO v VALUES (?, ?, ?)",
            [(model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
        )
        self.db.commit()


def embed_all(cache: VectorCache, batch_size: int = 64) -> tuple[int, float]:
    """Give every chunk a vector, from the cache or the encoder; (computed, seconds)."""
    from aktenkundig.search.embedding import get_encoder

    encoder = get_encoder()
    chunks = list(services.pending_chunks(model=encoder.name).select_related("document"))
    # The chunks' texts, then their sentence windows' (index.window_texts), as
    # services.embed_chunks embeds them.
    windows = [index.window_texts(c) for c in chunks]
    texts = [index.index_text(c) for c in chunks] + [t for w in windows for t in w]
    keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    known = cache.get(encoder.name, keys)
    missing = [i for i, k in enumerate(keys) if k not in known]
    started = time.perf_counter()
    for start in range(0, len(missing), batch_size):
        part = missing[start : start + batch_size]
        vectors = encoder.embed_passages([texts[i] for i in part])
        fresh = {keys[i]: v for i, v in zip(part, vectors, strict=True)}
        cache.put(encoder.name, fresh)
        known.update(fresh)
        print(f"  embedded {start + len(part)}/{len(missing)}", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    window_vectors, position = [], len(chunks)
    for w in windows:
        rows = [known[k] for k in keys[position : position + len(w)]]
        window_vectors.append(np.stack(rows) if rows else np.zeros((0, index.VECTOR_DIM)))
        position += len(w)
    for start in range(0, len(chunks), 500):
        part = chunks[start : start + 500]
        vectors = np.stack([known[k] for k in keys[start : start + len(part)]])
        index.write_vectors(part, vectors, encoder.name, window_vectors[start : start + 500])
    return len(missing), seconds


def ranked_documents(query: str, tenant, collections, mode: str, depth: int = 50) -> list[int]:
    hits = services.search(query, tenant=tenant, collections=collections, limit=depth, mode=mode)
    return list(dict.fromkeys(h.document_id for h in hits))


def evaluate(questions: list[tuple[str, int]], tenant, collections, modes) -> dict:
    results = {}
    for mode in modes:
        r1 = r5 = mrr = 0.0
        for question, gold in questions:
            docs = ranked_documents(question, tenant, collections, mode)
            rank = docs.index(gold) + 1 if gold in docs else None
            r1 += rank == 1
            r5 += rank is not None and rank <= 5
            mrr += 1 / rank if rank is not None and rank <= 10 else 0.0
        n = len(questions)
        results[mode] = {"R@1": r1 / n, "R@5": r5 / n, "MRR@10": mrr / n}
    return results


def table(title: str, results: dict, n: int) -> None:
    print(f"\n{title} ({n} questions)")
    print("| mode | R@1 | R@5 | MRR@10 |\n|---|---|---|---|")
    for mode, r in results.items():
        print(f"| {mode} | {r['R@1']:.3f} | {r['R@5']:.3f} | {r['MRR@10']:.3f} |")


def ingest_folder(folder: Path, name: str):
    from aktenkundig.documents.services import ingest_paths

    tenant = get_tenant()
    collection = get_or_create_collection(tenant, name, AccessLevel.OFFEN)
    started = time.perf_counter()
    report = ingest_paths([folder], collection)
    seconds = time.perf_counter() - started
    failed = [r for r in report.results if r.status == "failed"]
    if failed:
        print(f"  {len(failed)} files failed, e.g. {failed[0].source}: {failed[0].error}")
    return tenant, collection, seconds


MODES = ["bm25", "dense", "hybrid"]


def run_ragsource(cache: VectorCache, tune: bool) -> None:
    folder = DATA / "corpus" / "ragsource-badboll"
    tenant, collection, seconds = ingest_folder(folder, "RAGSource")
    chunks = Chunk.objects.filter(collection=collection).count()
    print(f"RAGSource: {collection.documents.count()} documents, {chunks} chunks, "
          f"ingested in {seconds:.1f} s")  # fmt: skip
    computed, emb_seconds = embed_all(cache) if MODES != ["bm25"] else (0, 0.0)
    if computed:
        print(f"  embedded {computed} chunks in {emb_seconds:.0f} s "
              f"({computed / emb_seconds:.1f} chunks/s)")  # fmt: skip
    by_name = {Path(d.source_path).name: d.pk for d in collection.documents.all()}
    questions = []
    for line in (DATA / "qa" / "ragsource-dev.jsonl").read_text().splitlines():
        item = json.loads(line)
        if item["doc"] in by_name:
            questions.append((item["question"], by_name[item["doc"]]))
        else:
            print("  gold document missing:", item["doc"])
    results = evaluate(questions, tenant, [collection], MODES)
    table("RAGSource dev, document level", results, len(questions))
    if tune:
        tune_fusion(questions, tenant, [collection])


def tune_fusion(questions, tenant, collections) -> None:
    """Dense weight of the score fusion on cached rankings, with 2-fold cross-validation.

    Each of 5 random halvings picks the weight by MRR@10 on one half and is scored on
    the other; the mean of those held-out scores is what the tuning is worth.
    """
    import random

    from aktenkundig.search.embedding import get_encoder

    encoder = get_encoder()
    ids = [c.pk for c in collections]
    runs = []
    for question, gold in questions:
        terms = analyzer().query_terms(question)
        lexical = index.bm25(terms, tenant_id=tenant.pk, collection_ids=ids, limit=100)
        semantic = index.dense(
            services.query_vector(encoder, question), tenant_id=tenant.pk,
            collection_ids=ids, model=encoder.name, limit=100,
        )  # fmt: skip
        runs.append((lexical, semantic, gold))
    doc_of = dict(Chunk.objects.filter(collection__in=collections).values_list("pk", "document"))
    weights = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
    per_question = {}
    print("\nfusion grid: dense weight -> R@1 / R@5 / MRR@10")
    for weight in weights:
        rows = []
        for lexical, semantic, gold in runs:
            fused = services.fuse(lexical, semantic, set(), dense_weight=weight)
            docs = list(dict.fromkeys(doc_of[i] for i, _ in fused))
            rank = docs.index(gold) + 1 if gold in docs else None
            rows.append((rank == 1, rank is not None and rank <= 5,
                         1 / rank if rank is not None and rank <= 10 else 0.0))  # fmt: skip
        per_question[weight] = np.array(rows, dtype=float)
        print(f"  w={weight:<4} " + " / ".join(f"{x:.3f}" for x in per_question[weight].mean(0)))
    rng = random.Random(0)
    held_out, chosen, default = [], [], []
    for _repeat in range(5):
        order = list(range(len(runs)))
        rng.shuffle(order)
        halves = (order[::2], order[1::2])
        for train, test in (halves, halves[::-1]):
            best = max(weights, key=lambda w: per_question[w][train, 2].mean())
            chosen.append(best)
            held_out.append(per_question[best][test].mean(0))
            default.append(per_question[services.DENSE_WEIGHT][test].mean(0))
    # The spread over the 10 held-out halves is what a different question sample of
    # half the size may show: differences below it are not evidence.
    cv, spread = np.mean(held_out, axis=0), np.std(held_out, axis=0)
    fixed, fixed_spread = np.mean(default, axis=0), np.std(default, axis=0)
    print(f"2-fold CV (5 repeats), chosen weights {sorted(set(chosen))}: "
          f"R@1 {cv[0]:.3f} ± {spread[0]:.3f}, R@5 {cv[1]:.3f} ± {spread[1]:.3f}, "
          f"MRR@10 {cv[2]:.3f} ± {spread[2]:.3f} (mean ± sd over the 10 held-out halves)")
    print(f"same halves, fixed weight {services.DENSE_WEIGHT}: "
          f"R@1 {fixed[0]:.3f} ± {fixed_spread[0]:.3f}, "
          f"R@5 {fixed[1]:.3f} ± {fixed_spread[1]:.3f}, "
          f"MRR@10 {fixed[2]:.3f} ± {fixed_spread[2]:.3f}")  # fmt: skip


def run_xquad(cache: VectorCache, tune: bool) -> None:
    data = json.loads((DATA / "qa" / "xquad.de.json").read_text())
    tenant = get_tenant()
    collection = get_or_create_collection(tenant, "XQuAD", AccessLevel.OFFEN)
    questions = []
    for article in data["data"]:
        title = article["title"].replace("_", " ")
        for n, paragraph in enumerate(article["paragraphs"]):
            text = paragraph["context"]
            document = Document.objects.create(
                tenant=tenant, collection=collection, title=title,
                source_path=f"xquad/{article['title']}/{n}", original_name=f"{n}.txt",
                original=f"xquad-{n}.txt", sha256=hashlib.sha256(text.encode()).hexdigest(),
                size=len(text), mime_type="text/plain", status="indexed",
            )  # fmt: skip
            chunk = Chunk.objects.create(
                document=document, tenant=tenant, collection=collection, ordinal=0, text=text
            )
            services.index_chunks([chunk])
            questions += [(qa["question"], document.pk) for qa in paragraph["qas"]]
    if MODES != ["bm25"]:
        embed_all(cache)
    results = evaluate(questions, tenant, [collection], MODES)
    table("XQuAD-de, paragraph level", results, len(questions))
    if tune:
        tune_fusion(questions, tenant, [collection])


def run_speed(cache: VectorCache, laws: int, embed_sample: int) -> None:
    from aktenkundig.search.embedding import get_encoder

    folders = sorted(p for p in (DATA / "corpus" / "bundesgesetze").glob("*/*") if p.is_dir())
    folders = folders[:laws] if laws else folders
    staging = Path(tempfile.mkdtemp(prefix="laws-", dir=CACHE))
    words = 0
    for folder in folders:
        target = staging / f"{folder.name}.md"
        shutil.copy(folder / "index.md", target)
        words += len(target.read_text().split())
    tenant, collection, seconds = ingest_folder(staging, "Bundesgesetze")
    shutil.rmtree(staging, ignore_errors=True)
    chunks = list(Chunk.objects.filter(collection=collection).select_related("document"))
    print(f"\nBundesgesetze: {len(folders)} laws, {words} words, {len(chunks)} chunks")
    print(f"  ingestion without embeddings: {seconds:.1f} s = {words / seconds:,.0f} words/s, "
          f"{len(chunks) / seconds:,.1f} chunks/s, "
          f"{len(folders) / seconds:.2f} documents/s")  # fmt: skip
    encoder = get_encoder()
    sample = chunks[:embed_sample]
    started = time.perf_counter()
    encoder.embed_passages([index.index_text(c) for c in sample])
    emb = time.perf_counter() - started
    print(f"  embedding ({encoder.name}, {len(sample)} chunks): {len(sample) / emb:.1f} chunks/s")
    started = time.perf_counter()
    _vectors, windows = services.embed_chunks(encoder, sample)
    emb = time.perf_counter() - started
    print(f"  embedding with sentence windows ({sum(len(w) for w in windows)} windows): "
          f"{len(sample) / emb:.1f} chunks/s")  # fmt: skip
    # Latency of the dense path does not depend on the vector values; chunks outside the
    # sample get cached or random unit vectors so that all of them take part.
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(chunks), index.VECTOR_DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # Sentence windows as many as each chunk has (index.window_texts), random as well.
    windows = []
    for chunk in chunks:
        w = rng.standard_normal((len(index.window_texts(chunk)), index.VECTOR_DIM))
        windows.append((w / np.linalg.norm(w, axis=1, keepdims=True)).astype(np.float32))
    print(f"  sentence windows: {sum(len(w) for w in windows)} "
          f"({sum(len(w) for w in windows) / len(chunks):.1f} per chunk)")  # fmt: skip
    index.write_vectors(chunks, vectors, encoder.name, windows)
    queries = [
        "Welche Behörde ist örtlich zuständig?", "Anhörung Beteiligter vor Erlass eines "
        "Verwaltungsakts", "§ 35 VwVfG", "Rücknahme eines rechtswidrigen Verwaltungsaktes",
        "Wohngeld Höhe Miete", "Kosten der Unterkunft und Heizung", "Akteneinsicht durch "
        "Beteiligte", "Meldepflicht bei Umzug", "Personalausweis Gültigkeit", "Elterngeld "
        "Bezugsdauer", "Datenschutz Auskunftsrecht der betroffenen Person",
        "Bebauungsplan Aufstellung Öffentlichkeitsbeteiligung",
    ]  # fmt: skip
    # Warm: the query's embedding is in the LRU cache (retrieval only); "new query"
    # empties that cache before each query, so it includes embedding the query.
    for mode in ("bm25", "dense", "hybrid", "hybrid, new query"):
        mode, fresh = mode.split(",")[0], "new" in mode
        for q in queries:  # warm up (encoder, caches)
            services.search(q, tenant=tenant, collections=[collection], mode=mode)
        times, cpu = [], []
        for _round in range(5):
            for q in queries:
                if fresh:
                    services._query_vectors.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                services.search(q, tenant=tenant, collections=[collection], mode=mode)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        # CPU time is reported too: on a shared machine wall time includes waiting.
        label = mode + (" new" if fresh else "")
        print(f"  warm query latency {label:10}: p50 {statistics.median(times):.1f} ms, "
              f"p95 {p95:.1f} ms (CPU p50 {statistics.median(cpu):.1f} ms) "
              f"over {len(chunks)} chunks; load average {os.getloadavg()[0]:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="ragsource,xquad,speed")
    parser.add_argument("--laws", type=int, default=0, help="first N laws only (0: all)")
    parser.add_argument("--embed-sample", type=int, default=64)
    parser.add_argument("--tune", action="store_true", help="tune the fusion weight")
    parser.add_argument("--modes", default="bm25,dense,hybrid")
    args = parser.parse_args()
    MODES[:] = args.modes.split(",")
    call_command("migrate", verbosity=0)
    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cpus, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}; fusion: normalised scores, "
          f"dense weight {services.DENSE_WEIGHT}")  # fmt: skip
    cache = VectorCache(CACHE / "vectors.sqlite")
    only = set(args.only.split(","))
    try:
        if "ragsource" in only:
            run_ragsource(cache, args.tune)
        if "xquad" in only:
            run_xquad(cache, args.tune)
        if "speed" in only:
            run_speed(cache, args.laws, args.embed_sample)
    finally:
        shutil.rmtree(_DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
