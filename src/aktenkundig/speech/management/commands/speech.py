"""``aktenkundig speech transcribe FILE [--format vtt|srt|json] [--terms FILE] [--level L]``
and ``aktenkundig speech live --device DEV [--session ID]``.

Offline subtitles for an audio or video file, printed to standard output. The
term list is a text file, one term a line, or ``falsch => richtig`` for a known
misspelling (see speech.transcribe.Terms). A shell user is an operator: no
KI-Register gate here, as with ``ask`` and ``language``. ``--level`` (default
``intern``) is the recording's data level: with AKTENKUNDIG_SPEECH_URL set, only a
recording the routing allows is sent to the transcription server.
``live`` into a session checks the tenant's gate (register entry, kill switch) and
audits start and stop; it reads the server's audio input through ffmpeg (``alsa:hw:1``,
``pulse:default``, or ``file:PFAD`` to replay a recording) and prints each
committed line; with ``--session`` the lines go to that live session too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

MAX_TERMS_BYTES = 200_000


class Command(BaseCommand):
    help = "Untertitel: Audio- oder Videodateien offline transkribieren."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        transcribe = sub.add_parser("transcribe", help="Untertitel für eine Datei ausgeben.")
        transcribe.add_argument("file")
        transcribe.add_argument("--format", choices=("vtt", "srt", "json"), default="vtt")
        transcribe.add_argument("--terms", help="Begriffsliste (eine Zeile je Begriff).")
        transcribe.add_argument("--level", default="intern",
                                help="Schutzstufe der Aufnahme (offen, intern, vertraulich, "
                                     "vs-nfd); entscheidet, ob ein Transkriptionsserver sie "
                                     "erhalten darf.")
        live = sub.add_parser("live", help="Live-Untertitel vom Audioeingang des Servers.")
        live.add_argument("--device", required=True,
                          help="alsa:NAME, pulse:NAME oder file:PFAD")
        live.add_argument("--session", type=int, help="Nummer der Live-Sitzung")
        live.add_argument("--fast", action="store_true",
                          help="eine Datei schneller als in Echtzeit lesen (Tests)")

    def handle(self, *args, **options) -> None:
        if options["action"] == "live":
            self.live(options)
            return
        from aktenkundig.llm.local_models import ModelNotAvailable
        from aktenkundig.speech.subtitles import to_srt, to_vtt
        from aktenkundig.speech.transcribe import SpeechError, Terms, transcribe_file

        terms = None
        if options.get("terms"):
            path = Path(options["terms"])
            if not path.is_file():
                raise CommandError(f"Begriffsliste nicht gefunden: {path}")
            if path.stat().st_size > MAX_TERMS_BYTES:
                raise CommandError("Die Begriffsliste ist zu groß (höchstens 200 kB).")
            try:
                terms = Terms.parse(path.read_text(encoding="utf-8"))
            except UnicodeDecodeError as error:
                raise CommandError("Die Begriffsliste ist kein UTF-8-Text.") from error
        from aktenkundig.core.models import AccessLevel

        try:
            level = AccessLevel.parse(options["level"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            transcript = transcribe_file(Path(options["file"]), terms, data_level=level)
        except (SpeechError, ModelNotAvailable) as error:
            raise CommandError(str(error)) from error
        if options["format"] == "json":
            self.stdout.write(json.dumps(transcript.as_json(), ensure_ascii=False, indent=2))
        elif options["format"] == "srt":
            self.stdout.write(to_srt(transcript.cues), ending="")
        else:
            self.stdout.write(to_vtt(transcript.cues), ending="")

    def live(self, options) -> None:
        from aktenkundig.llm.local_models import ModelNotAvailable
        from aktenkundig.speech import capture, live
        from aktenkundig.speech.models import LiveSession
        from aktenkundig.speech.streaming import StreamingDecoder
        from aktenkundig.speech.transcribe import SpeechError, Terms

        session = None
        if options.get("session"):
            session = LiveSession.objects.select_related("tenant").filter(
                pk=options["session"]).first()
            if session is None:
                raise CommandError(f"Live-Sitzung {options['session']} gibt es nicht.")
            try:
                live.start(session, None)
            except live.Refused as error:
                raise CommandError(str(error)) from error
        count = [0]

        def on_lines(lines) -> None:
            count[0] += len(lines)
            if session is not None:
                live.add_lines(session, lines)
                live.release_due(session)
            for line in lines:
                stamp = time.strftime("%H:%M:%S", time.gmtime(line.start))
                self.stdout.write(f"[{stamp}] {line.text}")
                self.stdout.flush()

        def allowed():
            decision = live.still_allowed(session)
            return None if decision else decision.reason

        decoder = None
        why = "failed"
        try:
            decoder = StreamingDecoder(live.terms_of(session) if session else Terms())
            why = capture.run(options["device"], decoder, on_lines,
                              realtime=not options["fast"],
                              allowed=allowed if session is not None else None)
        except (SpeechError, ModelNotAvailable) as error:
            raise CommandError(str(error)) from error
        finally:
            if session is not None:
                live.stop(session, None, seconds=decoder.now if decoder else 0.0,
                          lines=count[0], reason=why[:200])
        if why != "ended":
            raise CommandError(why)
