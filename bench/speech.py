"""Benchmark of subtitles (issue 14): word error rate, real-time factor, words
produced on silence, and the live (streaming) path: streaming WER against the
offline WER on the same audio, and latency from a word's end in the audio to its
commit, with the audio fed at real time.

Speech is German text read by Debian's ``espeak-ng`` (German voice) at several
speeds, clean and mixed with pink noise (ffmpeg), so the reference text is known
exactly; the sentences below were written for this project (council-meeting
register). Silence and low room noise of ``--silence-minutes`` each must yield
zero words. The anchor in the same run is plain faster-whisper on the same audio
(same model, no VAD, no hallucination filter, no line rules): it shows what the
product's VAD and filter add or cost. espeak is a robotic voice; the absolute WER
says little about real speakers, the comparison between rows does.

    PYTHONPATH=src python bench/speech.py [--speeds 120 150 180] [--silence-minutes 10]
        [--streaming-only] [--virtual-decode-s 1.0]
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")

SENTENCES = [
    "Der Kreistag hat heute den Haushalt für das nächste Jahr beschlossen.",
    "Die Bürgermeisterin eröffnet die Sitzung und begrüßt die Gäste.",
    "Wir danken allen Bürgern für ihre Fragen zum neuen Radweg.",
    "Der Antrag der Fraktion wurde mit großer Mehrheit angenommen.",
    "Die Schule im Ortsteil wird im kommenden Sommer saniert.",
    "Die nächste Sitzung findet am dritten Mai im Rathaus statt.",
    "Der Bauausschuss empfiehlt, den Bebauungsplan zu ändern.",
    "Für die Kinderbetreuung stehen zwei Millionen Euro bereit.",
]
REFERENCE = " ".join(SENTENCES)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], check=True, timeout=600)


def make_speech(directory: Path, speed: int, noise: float) -> Path:
    clean = directory / f"speech-{speed}.wav"
    if not clean.exists():
        subprocess.run(["espeak-ng", "-v", "de", "-s", str(speed), "-w", str(clean), REFERENCE],
                       check=True, timeout=120)
    if not noise:
        return clean
    mixed = directory / f"speech-{speed}-noise{noise}.wav"
    _ffmpeg("-i", str(clean), "-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude={noise}",
            "-filter_complex", "amix=inputs=2:duration=first:normalize=0", "-ar", "16000",
            "-ac", "1", str(mixed))
    return mixed


def make_silence(directory: Path, minutes: float, noise: float) -> Path:
    path = directory / f"silence-{noise}.wav"
    source = (f"anoisesrc=color=pink:amplitude={noise}" if noise else "anullsrc=r=16000:cl=mono")
    _ffmpeg("-f", "lavfi", "-i", source, "-t", str(minutes * 60), "-ar", "16000", "-ac", "1",
            str(path))
    return path


def plain_whisper(model, audio) -> str:
    segments, _ = model.transcribe(audio, language="de", beam_size=5, vad_filter=False)
    return " ".join(s.text.strip() for s in segments)


def stream_realtime(audio, terms=None, model=None, frame_s: float = 0.1):
    """Feed ``audio`` in ``frame_s`` frames at real time from a producer thread into
    the same loop the WebSocket consumer runs (``streaming.step``); returns (lines,
    latencies in seconds from each committed word's end in the audio to the wall
    time of its commit, decodes)."""
    from aktenkundig.speech.streaming import StreamingDecoder, step

    decoder = StreamingDecoder(terms, model)
    frames: queue.Queue = queue.Queue()
    frame = int(16000 * frame_s)
    started = time.perf_counter()

    def produce() -> None:
        for i in range(0, len(audio), frame):
            due = started + (i + frame) / 16000
            time.sleep(max(0.0, due - time.perf_counter()))
            frames.put(audio[i:i + frame])
        frames.put(None)

    threading.Thread(target=produce, daemon=True).start()
    lines, latencies, done = [], [], False
    while not done:
        new, done = step(decoder, frames)
        now = time.perf_counter() - started
        for line in new:
            latencies += [now - word.end for word in line.words]
        lines += new
    return lines, latencies, decoder.decodes, decoder.decode_seconds


def stream_virtual(audio, decode_s: float, model=None):
    """The same decoder driven by a virtual clock in which every decode takes
    ``decode_s`` seconds: audio "arrives" as the clock runs, a step starts once a
    second of new audio is there and the last decode has finished. The latency
    it reports is the algorithm's (how many steps a word waits) for a machine on
    which one decode takes ``decode_s``; it does not depend on the load of the
    machine running the bench. Not a substitute for the real-time run."""
    from aktenkundig.speech.streaming import StreamingDecoder

    decoder = StreamingDecoder(model=model)
    clock, fed, lines, latencies = 0.0, 0, [], []
    while True:
        clock = max(clock, decoder.decoded_at / 16000 + decoder.step / 16000)
        upto = min(len(audio), int(clock * 16000))
        if upto > fed:
            decoder.insert(audio[fed:upto])
            fed = upto
        ended = fed >= len(audio)
        new = decoder.finish() if ended else decoder.process()
        clock += decode_s
        latencies += [clock - word.end for line in new for word in line.words]
        lines += new
        if ended:
            return lines, latencies, decoder.decodes, decoder.decode_seconds


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def streaming(directory: Path, args, model) -> None:
    import numpy as np

    from aktenkundig.speech.tests.test_transcribe_real import wer
    from aktenkundig.speech.transcribe import load_audio, transcribe_audio

    clock = (f"virtual clock, every decode {args.virtual_decode_s} s"
             if args.virtual_decode_s else "at real time (0.1 s frames)")
    print(f"\nstreaming {clock}, 1 s decode step\n"
          f"{'audio':28} {'secs':>6} {'stream WER':>10} {'offline WER':>11} {'p50 s':>6} "
          f"{'p95 s':>6} {'max s':>6} {'decodes':>7} {'decode s p50':>12}")
    for speed in args.speeds:
        for noise in (0.0, args.noise):
            path = make_speech(directory, speed, noise)
            pause = np.zeros(16000, dtype=np.float32)
            audio = np.concatenate([pause, load_audio(path), pause, pause])
            offline = transcribe_audio(audio, model=model).text
            if args.virtual_decode_s:
                lines, latencies, decodes, decode_s = stream_virtual(
                    audio, args.virtual_decode_s, model=model)
            else:
                lines, latencies, decodes, decode_s = stream_realtime(audio, model=model)
            text = " ".join(line.text for line in lines)
            label = f"espeak {speed} wpm" + (" + noise" if noise else "")
            print(f"{label:28} {len(audio) / 16000:6.1f} {wer(REFERENCE, text):10.3f} "
                  f"{wer(REFERENCE, offline):11.3f} {percentile(latencies, 0.5):6.2f} "
                  f"{percentile(latencies, 0.95):6.2f} {max(latencies, default=0):6.2f} "
                  f"{decodes:7d} {percentile(decode_s, 0.5):12.2f}", flush=True)
    for noise in (0.0, 0.01):
        rng = np.random.default_rng(1)
        seconds = args.silence_minutes * 60
        audio = (rng.standard_normal(int(seconds * 16000)) * noise).astype(np.float32) \
            if noise else np.zeros(int(seconds * 16000), dtype=np.float32)
        from aktenkundig.speech.streaming import StreamingDecoder

        decoder = StreamingDecoder(model=model)  # faster than real time: only the words count
        words = 0
        for i in range(0, len(audio), 1600):
            words += sum(len(line.text.split()) for line in decoder.feed(audio[i:i + 1600]))
        words += sum(len(line.text.split()) for line in decoder.finish())
        label = "stream: digital silence" if not noise else f"stream: white noise {noise}"
        print(f"{label:28} {seconds / 60:6.1f} min  words {words}  decodes {decoder.decodes}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speeds", type=int, nargs="+", default=[120, 150, 180])
    parser.add_argument("--noise", type=float, default=0.03, help="pink noise amplitude")
    parser.add_argument("--silence-minutes", type=float, default=10)
    parser.add_argument("--streaming-only", action="store_true",
                        help="only the live path (streaming WER, latency, silence)")
    parser.add_argument("--virtual-decode-s", type=float, default=0.0,
                        help="drive the live path by a virtual clock in which a decode "
                             "takes this long (latency independent of machine load)")
    args = parser.parse_args()
    import django

    django.setup()
    from aktenkundig.speech.engine import load_model
    from aktenkundig.speech.tests.test_transcribe_real import wer
    from aktenkundig.speech.transcribe import load_audio, transcribe_audio

    started = time.perf_counter()
    model = load_model()
    print(f"model load: {time.perf_counter() - started:.1f} s; cores: {os.cpu_count()}")
    print(f"{'audio':28} {'secs':>6} {'WER':>6} {'RTF':>6} {'anchor WER':>11} {'anchor RTF':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        if args.streaming_only:
            streaming(directory, args, model)
            sys.exit(0)
        rows = [(f"espeak {s} wpm" + (" + noise" if n else ""), make_speech(directory, s, n))
                for s in args.speeds for n in (0.0, args.noise)]
        for label, path in rows:
            audio = load_audio(path)
            seconds = len(audio) / 16000
            t = time.perf_counter()
            ours = transcribe_audio(audio, model=model).text
            ours_rtf = (time.perf_counter() - t) / seconds
            t = time.perf_counter()
            anchor = plain_whisper(model, audio)
            anchor_rtf = (time.perf_counter() - t) / seconds
            print(f"{label:28} {seconds:6.1f} {wer(REFERENCE, ours):6.3f} {ours_rtf:6.3f} "
                  f"{wer(REFERENCE, anchor):11.3f} {anchor_rtf:11.3f}", flush=True)
        print(f"\n{'silence':28} {'mins':>6} {'words':>6} {'RTF':>6} {'anchor words':>12}")
        for noise in (0.0, 0.01):
            path = make_silence(directory, args.silence_minutes, noise)
            audio = load_audio(path, max_seconds=args.silence_minutes * 60 + 5)
            t = time.perf_counter()
            result = transcribe_audio(audio, model=model)
            rtf = (time.perf_counter() - t) / (len(audio) / 16000)
            anchor = plain_whisper(model, audio)
            label = "digital silence" if not noise else f"pink noise {noise}"
            print(f"{label:28} {args.silence_minutes:6.1f} {len(result.text.split()):6d} "
                  f"{rtf:6.3f} {len(anchor.split()):12d}  {anchor[:60]!r}", flush=True)
        streaming(directory, args, model)
    sys.exit(0)


if __name__ == "__main__":
    main()
