"""``aktenkundig verify``: check claims against passages with the answer's claim checker."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.assistant.claims import check_claim

MAX_LINE = 200_000  # characters: one passage and claim, not a whole document


class Command(BaseCommand):
    help = (
        "Check whether a passage backs a claim, as generated answers are checked sentence "
        "by sentence: numbers, dates, durations, § references and names must match, "
        "negation and modality must agree, the rest may be paraphrased. Input: JSON "
        'lines {"passage": ..., "claim": ...}; output per line {"supported", "verdict", '
        '"score", "reason"}.'
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", metavar="FILE", required=True, help="JSON lines file ('-' reads stdin)"
        )
        parser.add_argument(
            "--json", action="store_true", help="print JSON lines (the only output format)"
        )

    def handle(self, *args, **options):
        source = options["batch"]
        try:
            lines = (
                sys.stdin.read().splitlines()
                if source == "-"
                else Path(source).read_text(encoding="utf-8").splitlines()
            )
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Datei nicht lesbar: {source}: {error}") from error
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            self.stdout.write(json.dumps(_check_line(line, number), ensure_ascii=False))


def _check_line(line: str, number: int) -> dict:
    """One result object; a bad line gets an ``error`` instead of stopping the batch."""
    if len(line) > MAX_LINE:
        return {"line": number, "error": f"Zeile {number} ist zu lang (> {MAX_LINE} Zeichen)."}
    try:
        item = json.loads(line)
    except json.JSONDecodeError:
        return {"line": number, "error": f"Zeile {number} ist kein JSON."}
    if not isinstance(item, dict):
        return {"line": number, "error": f"Zeile {number}: ein JSON-Objekt erwartet."}
    passage, claim = item.get("passage"), item.get("claim")
    if not isinstance(passage, str) or not isinstance(claim, str):
        return {
            "line": number,
            "error": f"Zeile {number}: 'passage' und 'claim' müssen Texte sein.",
        }
    return check_claim(claim, [passage]).as_dict()
