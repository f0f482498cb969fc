"""``aktenkundig speech transcribe FILE [--format vtt|srt|json] [--terms FILE] [--level L]``.

Offline subtitles for an audio or video file, printed to standard output. The
term list is a text file, one term a line, or ``falsch => richtig`` for a known
misspelling (see speech.transcribe.Terms). A shell user is an operator: no
KI-Register gate here, as with ``ask`` and ``language``. ``--level`` (default
``intern``) is the recording's data level: with AKTENKUNDIG_SPEECH_URL set, only a
recording the routing allows is sent to the transcription server.
"""

from __future__ import annotations

import json
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

    def handle(self, *args, **options) -> None:
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
