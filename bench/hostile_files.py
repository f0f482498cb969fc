"""Hostile files against ingestion: memory, time, message, and the rest of the batch.

    python bench/hostile_files.py [--only NAME ...] [--size-mib 1024] [--json]

Builds the hostile files of issue #10 (points 2-4) and more shapes (nested
archives, XML entity expansion in .docx/.odt, decompression bombs in PNG/TIFF
for OCR, PDFs with thousands of empty pages or a 200 x 200 inch page, links out
of the folder and into the data directory). For each shape it makes a folder
with the hostile file and two ordinary documents, and runs
``aktenkundig ingest FOLDER`` in its own process -- one worker, as in
production -- on a fresh data directory. It reports, per shape:

* peak RSS of that worker process (its own ``VmHWM`` at exit; ``ru_maxrss``
  would include the forked parent's peak, which Linux carries over exec);
* wall time;
* the one line the CLI printed for the hostile file (its length in characters,
  and whether it holds control characters);
* whether both ordinary documents were ingested (nothing else in the batch lost);
* whether any stored passage contains NUL or a secret from the data directory.

Targets (issue #10): < 1 GB peak per worker and bounded time for every shape,
a clear one-line message, nothing else lost.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aktenkundig.documents.tests import hostile  # noqa: E402

MIB = hostile.MIB
ORDINARY = {
    "satzung.md": "# Satzung über die Hundesteuer\n\n## § 5 Steuersatz\n\n"
    "Die Steuer beträgt für den ersten Hund 96 Euro jährlich.\n",
    "oeffnungszeiten.txt": "Öffnungszeiten des Bürgerbüros: Montag bis Freitag 8 bis 12 Uhr.\n",
}


def shapes(size: int) -> dict[str, tuple[str, object]]:
    """name -> (file name in the batch, bytes or a callable(folder, data_dir))."""

    def link(target_of):
        def make(folder: Path, data_dir: Path) -> None:
            (folder / "verknuepfung.txt").symlink_to(target_of(data_dir))
        return make

    return {
        "odt-mimetype-bomb": ("bericht.odt", lambda: hostile.odt_mimetype_bomb(size)),
        "docx-document-bomb": ("bericht.docx", lambda: hostile.docx_document_bomb(size)),
        "docx-ratio-bomb": ("vermerk.docx", lambda: hostile.ratio_bomb("docx", 32 * MIB)),
        "odt-ratio-bomb": ("vermerk.odt", lambda: hostile.ratio_bomb("odt", 32 * MIB)),
        "docx-nested-zip": ("akte.docx", lambda: hostile.nested_zip(6)),
        "docx-xml-entities": ("laughs.docx", lambda: hostile.xml_entity_bomb("docx")),
        "odt-xml-entities": ("laughs.odt", lambda: hostile.xml_entity_bomb("odt")),
        "eml-bomb-attachment": (
            "mail.eml", lambda: hostile.eml_with(hostile.odt_mimetype_bomb(size), "anlage.odt")),
        "eml-nul-attachment": (
            "nul.eml", lambda: hostile.eml_with(b"Anlage\n" + b"\0" * (8 * MIB), "anlage.txt")),
        "png-bomb-30000px": ("scan.png", lambda: hostile.png_bomb(30000)),
        "png-9000px": ("scan9000.png", lambda: hostile.png_bomb(9000)),
        "tiff-500-pages": ("scan.tif", lambda: hostile.tiff_many_pages(500)),
        "pdf-2000-empty-pages": ("leer.pdf", lambda: hostile.pdf_empty_image_pages(2000)),
        "pdf-200in-page": ("plan.pdf", lambda: hostile.pdf_huge_page(14400)),
        "link-secret-key": ("verknuepfung.txt", link(lambda d: d / "secret_key")),
        "link-audit-key": ("verknuepfung.txt", link(lambda d: d / "audit_key")),
        "link-etc-passwd": ("verknuepfung.txt", link(lambda d: Path("/etc/passwd"))),
    }


def env_for(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENKUNDIG_")}
    env.update({
        "PYTHONPATH": str(ROOT / "src"),
        "AKTENKUNDIG_DATA_DIR": str(data_dir),
        "AKTENKUNDIG_LLM_BASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "aktenkundig.settings",
    })
    return env


# The worker reports its own peak (VmHWM) when it exits. ru_maxrss would not do:
# Linux carries the forked parent's peak over exec into it.
WRAPPER = (
    "import atexit, os, runpy, sys\n"
    "def report():\n"
    "    hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
    "    open(os.environ['HOSTILE_HWM'], 'w').write(hwm.split()[1])\n"
    "atexit.register(report)\n"
    "sys.argv = ['aktenkundig'] + sys.argv[1:]\n"
    "runpy.run_module('aktenkundig', run_name='__main__', alter_sys=True)\n"
)


def run_worker(args: list[str], env: dict[str, str], timeout: float) -> dict:
    """Run one ingest process; its own peak RSS (VmHWM, KiB) from the file it writes."""
    started = time.monotonic()
    hwm_file = Path(tempfile.mkstemp(prefix="hostile-hwm-")[1])
    env = {**env, "HOSTILE_HWM": str(hwm_file)}
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        out, err = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        timed_out = True
    text = hwm_file.read_text().strip()
    hwm_file.unlink()
    peak_kib = int(text) if text else float("nan")
    return {"out": out, "err": err, "seconds": time.monotonic() - started,
            "rc": process.returncode, "timed_out": timed_out, "peak_mib": peak_kib / 1024}


def one_shape(name: str, size: int, timeout: float) -> dict:
    file_name, maker = shapes(size)[name]
    work = Path(tempfile.mkdtemp(prefix=f"hostile-{name}-"))
    data_dir = work / "daten"
    template = Path(os.environ["HOSTILE_TEMPLATE"])
    shutil.copytree(template, data_dir)
    folder = work / "stapel"
    folder.mkdir()
    for ordinary, text in ORDINARY.items():
        (folder / ordinary).write_text(text, encoding="utf-8")
    if callable(maker) and maker.__code__.co_argcount == 2:
        maker(folder, data_dir)
        file_size = 0
    else:
        data = maker()
        (folder / file_name).write_bytes(data)
        file_size = len(data)
    env = env_for(data_dir)
    result = run_worker(
        [sys.executable, "-c", WRAPPER, "ingest", str(folder), "--collection", "Bench",
         "--no-wait"], env, timeout)
    lines = (result["out"] + result["err"]).splitlines()
    hostile_line = next((line for line in lines if file_name in line and "Fehler" in line), "")
    with sqlite3.connect(data_dir / "aktenkundig.sqlite3") as db:
        names = {row[0] for row in db.execute("SELECT original_name FROM documents_document")}
        texts = [row[0] for row in db.execute("SELECT text FROM documents_chunk")]
    secrets = [(data_dir / key).read_text().strip() for key in ("secret_key", "audit_key")
               if (data_dir / key).exists()]
    leaked = any(s and s in text for s in secrets for text in texts) or any(
        "root:x:0:0" in text for text in texts)
    shutil.rmtree(work, ignore_errors=True)
    return {
        "shape": name,
        "file_bytes": file_size,
        "peak_rss_mib": round(result["peak_mib"], 1),
        "seconds": round(result["seconds"], 2),
        "timed_out": result["timed_out"],
        "message": hostile_line.split(": ", 2)[-1] if hostile_line else "(eingelesen)",
        "message_chars": len(hostile_line),
        "message_has_control": any(ord(c) < 32 for c in hostile_line),
        "others_ingested": set(ORDINARY) <= names,
        "nul_in_passage": any("\0" in text for text in texts),
        "secret_leaked": leaked,
    }


def prepare_template() -> Path:
    template = Path(tempfile.mkdtemp(prefix="hostile-template-"))
    subprocess.run([sys.executable, "-m", "aktenkundig", "migrate", "-v", "0"],
                   env=env_for(template), check=True)
    return template


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="shape names (default: all)")
    parser.add_argument("--size-mib", type=int, default=1024,
                        help="inflated size of the ZIP bombs (default 1024 = the report's)")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one shape
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_shape(args.one, args.size_mib * MIB, args.timeout)))
        return
    names = args.only or list(shapes(MIB))
    template = prepare_template()
    rows = []
    try:
        for name in names:
            # a fresh helper per shape (bombs are built there, not here)
            done = subprocess.run(
                [sys.executable, __file__, "--one", name, "--size-mib", str(args.size_mib),
                 "--timeout", str(args.timeout)],
                env={**os.environ, "HOSTILE_TEMPLATE": str(template)},
                capture_output=True, text=True, check=False)
            if done.returncode != 0:
                rows.append({"shape": name, "error": done.stderr[-500:]})
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            if not args.json:
                print(f"{name}: done", file=sys.stderr)
    finally:
        shutil.rmtree(template, ignore_errors=True)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    print("| shape | file | peak RSS | time | message shown | others ingested "
          "| NUL / secret in passages |")
    print("|---|---:|---:|---:|---|---|---|")
    for row in rows:
        if "error" in row:
            print(f"| {row['shape']} | | | | ERROR {row['error'][:80]!r} | | |")
            continue
        size = f"{row['file_bytes'] / 1024:.0f} KB" if row["file_bytes"] else "link"
        flags = "NUL" if row["nul_in_passage"] else ""
        flags += " SECRET" if row["secret_leaked"] else ""
        timeout = " (TIMEOUT)" if row["timed_out"] else ""
        print(f"| {row['shape']} | {size} | {row['peak_rss_mib']:.0f} MiB | "
              f"{row['seconds']:.1f} s{timeout} | {row['message'][:140]} | "
              f"{'yes' if row['others_ingested'] else 'NO'} | {flags.strip() or 'none'} |")


if __name__ == "__main__":
    main()
