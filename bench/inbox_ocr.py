"""Posteingang end to end: scanned letters (page images) through OCR, routing and the
database — pages per minute, and how often the OCR'd letter went to the right unit.

    python bench/inbox_ocr.py [--letters 20]

Letters from ``inbox/tests/letters.py`` rendered as A4 greyscale images at 150 dpi
(``inbox.demo.render_scan``), taken in one by one as the hot folder does (tesseract
through the documents app), with a model trained on other synthetic letters. Embedded
SQLite in a temporary data directory.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=20)
    args = parser.parse_args()
    os.environ["AKTENKUNDIG_DATA_DIR"] = tempfile.mkdtemp(prefix="aktenkundig-bench-ocr-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
    os.environ.pop("AKTENKUNDIG_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from aktenkundig.core.services import get_tenant
    from aktenkundig.inbox import demo, services
    from aktenkundig.inbox.consumers.base import Consumer
    from aktenkundig.inbox.tests import letters

    class Scanner(Consumer):
        channel = "folder"

    from aktenkundig.testing.accounts import approve_assistant

    tenant = get_tenant()
    approve_assistant(tenant, "inbox")  # KI-Register entry, four eyes: else no suggestion
    services.import_plan(tenant, letters.plan_csv().encode())
    pairs = letters.corpus(per_unit=20, seed=8)
    services.train(tenant, [t for t, _ in pairs], [c for _, c in pairs])
    rng = random.Random(9)
    codes = [rng.choice(list(letters.UNITS)) for _ in range(args.letters)]
    scans = [demo.render_scan(letters.letter(code, rng)) for code in codes]
    started = time.perf_counter()
    right = 0
    for number, (code, scan) in enumerate(zip(codes, scans, strict=True)):
        item = Scanner(tenant).consume(scan, f"scan-{number}.png", source_key=f"b{number}")
        right += item.suggested_unit is not None and item.suggested_unit.code == code
        if os.environ.get("BENCH_DEBUG"):
            print(code, item.status, item.error[:80], item.suggested_unit, item.text[:80])
    seconds = time.perf_counter() - started
    print(f"{args.letters} scanned one-page letters: {args.letters / seconds * 60:.1f} pages/min "
          f"end to end (OCR, routing, database), {right}/{args.letters} suggested to the "
          "right unit")


if __name__ == "__main__":
    main()
