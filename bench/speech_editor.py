"""Subtitle editor and exports with a long recording: p50/p95 of the editor page,
of saving one cue (HTMX) and of the VTT/SRT/transcript exports.

    python bench/speech_editor.py [--cues 1500] [--requests 10]

1,500 cues are about two hours of a council meeting (a cue every 4.8 s). A fresh
embedded SQLite database in a temporary data directory; the cues are written as
the recogniser would store them, then the staff pages are requested through
Django's test client (full middleware, template rendering, no network). No
target in the issue; the numbers say whether a two-hour meeting is workable in
one page. Baseline in the same run: the job page, which shows the text only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

WORDS = ["der", "Kreistag", "berät", "heute", "über", "den", "Haushalt", "und", "die",
         "Schulsanierung", "im", "Landkreis"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cues", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    os.environ["AKTENKUNDIG_DATA_DIR"] = tempfile.mkdtemp(prefix="aktenkundig-bench-speech-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
    os.environ.pop("AKTENKUNDIG_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth import get_user_model
    from django.test import Client

    from aktenkundig.accounts.services import add_member
    from aktenkundig.core.services import get_tenant
    from aktenkundig.speech import jobs
    from aktenkundig.speech.models import JobStatus, SubtitleJob

    tenant = get_tenant()
    user = get_user_model().objects.create_user("bench")
    add_member(user, tenant, ["beschaeftigte"])
    cues, start = [], 0.0
    for number in range(args.cues):
        text = " ".join(WORDS[(number + k) % len(WORDS)] for k in range(9)) + "."
        cues.append({"start": start, "end": start + 4.0, "lines": [text], "confidence": 0.8})
        start += 4.8
    job = SubtitleJob.objects.create(tenant=tenant, created_by=user, filename="sitzung.mp4",
                                     status=JobStatus.DONE, cues=cues,
                                     text=" ".join(c["lines"][0] for c in cues))
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    def timed(call) -> list[float]:
        call()  # warm
        out = []
        for _ in range(args.requests):
            started = time.perf_counter()
            call()
            out.append((time.perf_counter() - started) * 1000)
        return out

    def page():
        response = client.get(f"/untertitel/{job.pk}/bearbeiten/")
        assert response.status_code == 200, response.status_code
        page.size = len(response.content)

    counter = iter(range(10**6))

    def save():
        index = next(counter) % args.cues
        response = client.post(f"/untertitel/{job.pk}/bearbeiten/{index}/",
                               {"text": f"Korrektur {index}."}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.status_code

    job_now = lambda: SubtitleJob.objects.get(pk=job.pk)  # noqa: E731
    def detail():
        assert client.get(f"/untertitel/{job.pk}/").status_code == 200

    rows = [
        ("job page without the editor (baseline: text only)", timed(detail)),
        ("editor page", timed(page)),
        ("save one cue (HTMX)", timed(save)),
        ("export WebVTT", timed(lambda: jobs.render(job_now(), "vtt"))),
        ("export SRT", timed(lambda: jobs.render(job_now(), "srt"))),
        ("export transcript", timed(lambda: jobs.render(job_now(), "txt"))),
    ]
    print(f"{args.cues} cues ({args.cues * 4.8 / 3600:.1f} h), {args.requests} runs each, "
          f"embedded SQLite; editor page {page.size / 1e6:.2f} MB")
    print("| step | p50 ms | p95 ms |")
    print("|---|---|---|")
    for name, values in rows:
        values.sort()
        p95 = values[min(len(values) - 1, round(0.95 * len(values)) - 1)]
        print(f"| {name} | {statistics.median(values):.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
