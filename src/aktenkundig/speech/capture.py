"""Live subtitles from the server's own audio input: ``aktenkundig speech live``.

For a hall whose sound system is wired into the server (or a PC next to it), no
browser is needed: ffmpeg reads the input (ALSA, PulseAudio, or a file for tests
and replays), converts it to 16 kHz mono int16, and the same loop as the
WebSocket ingest (``streaming.step``) decodes it. Lines go into the session's
database rows; the server's audience and corrector sockets pick them up through
their database poll, so this process needs no channel layer of its own.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections.abc import Callable

from aktenkundig.speech.transcribe import SAMPLE_RATE, SpeechError

FRAME_BYTES = SAMPLE_RATE // 10 * 2  # 0.1 s of int16


def ffmpeg_input(device: str, *, realtime: bool = True) -> list[str]:
    """ffmpeg input arguments for ``alsa:DEV``, ``pulse:DEV`` or ``file:PATH``."""
    kind, _, name = device.partition(":")
    if not name:
        raise SpeechError("Gerät bitte als alsa:NAME, pulse:NAME oder file:PFAD angeben.")
    if kind in ("alsa", "pulse"):
        return ["-f", kind, "-i", name]
    if kind == "file":
        return (["-re"] if realtime else []) + ["-i", name]
    raise SpeechError(f"Unbekannte Geräteart „{kind}“ (alsa, pulse oder file).")


def run(device: str, decoder, on_lines: Callable[[list], None], *, realtime: bool = True,
        allowed: Callable[[], str | None] | None = None, check_s: float = 3.0) -> str:
    """Capture until the input ends (or ``allowed()`` returns a refusal reason);
    returns why it stopped: ``"ended"`` or the reason."""
    command = ["ffmpeg", "-nostdin", "-v", "error", *ffmpeg_input(device, realtime=realtime),
               "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"]
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError as error:
        raise SpeechError("ffmpeg ist nicht installiert.") from error
    from aktenkundig.speech.streaming import step

    frames: queue.Queue = queue.Queue()

    def read() -> None:
        while chunk := process.stdout.read(FRAME_BYTES):
            frames.put(chunk)
        frames.put(None)

    threading.Thread(target=read, daemon=True).start()
    why, done, checked = "ended", False, time.monotonic()
    try:
        while not done:
            lines, done = step(decoder, frames)
            if lines:
                on_lines(lines)
            if allowed is not None and time.monotonic() - checked > check_s:
                checked = time.monotonic()
                refusal = allowed()
                if refusal:
                    why = refusal
                    break
    finally:
        process.kill()
        process.wait(timeout=10)
    if why == "ended" and process.returncode not in (0, -9) and decoder.fed == 0:
        message = process.stderr.read().decode(errors="replace").strip()[:300]
        raise SpeechError(f"ffmpeg konnte das Gerät nicht lesen: {message}")
    return why
