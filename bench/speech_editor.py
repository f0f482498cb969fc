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

import pagebench

WORDS = ["der", "Kreistag", "berät", "heute", "über", "den", "Haushalt", "und", "die",
         "Schulsanierung", "im", "Landkreis"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cues", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    pagebench.fresh_site("speech")
    from aktenkundig.core.services import get_tenant
    from aktenkundig.speech import jobs
    from aktenkundig.speech.models import JobStatus, SubtitleJob

    tenant = get_tenant()
    client = pagebench.staff_client(tenant)
    user = client.user
    cues, start = [], 0.0
    for number in range(args.cues):
        text = " ".join(WORDS[(number + k) % len(WORDS)] for k in range(9)) + "."
        cues.append({"start": start, "end": start + 4.0, "lines": [text], "confidence": 0.8})
        start += 4.8
    job = SubtitleJob.objects.create(tenant=tenant, created_by=user, filename="sitzung.mp4",
                                     status=JobStatus.DONE, cues=cues,
                                     text=" ".join(c["lines"][0] for c in cues))

    def timed(call) -> list[float]:
        return pagebench.timed(call, args.requests)

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
    pagebench.print_table("step", rows)


if __name__ == "__main__":
    main()
