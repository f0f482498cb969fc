"""F1 of the shipped offensive-language filter on the held-out GermEval 2018 rows.

    python bench/moderation.py [path/to/germeval2018.training.txt]

The held-out rows (about 20 %, chosen by a hash of the text, see
``aktenkundig.citizen.moderation.is_held_out``) were never seen in training or
threshold selection. Needs only numpy (the product's own scorer).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from aktenkundig.citizen.moderation import (  # noqa: E402
    MODEL_PATH,
    default_filter,
    is_held_out,
    load_germeval,
)
from aktenkundig.citizen.moderation_train import evaluate  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "moderation" / "germeval2018.training.txt"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.exists():
        path = Path("/work/shared/data/moderation/germeval2018.training.txt")
    rows = [r for r in load_germeval(path) if is_held_out(r[0])]
    classifier = default_filter()
    started = time.perf_counter()
    report = evaluate(classifier, rows)
    elapsed = time.perf_counter() - started
    report["ms_per_message"] = round(elapsed * 1000 / max(1, len(rows)), 3)
    report["model_bytes"] = MODEL_PATH.stat().st_size
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
