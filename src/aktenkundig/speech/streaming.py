"""Streaming recognition for live subtitles: audio in, stable caption lines out.

Whisper decodes windows, not streams. The approach is whisper_streaming's
(Macháček et al., 2023): keep a growing buffer of the recent audio, re-decode it
about once a second, and *commit* only the words that two successive hypotheses
agree on (LocalAgreement-2). A word shown to the audience is therefore never
taken back, which is what keeps the screen from flickering; the price is one
decode step of latency. The agreement tolerates one differing word between
agreeing runs (see :func:`_agreed`): with the strict common prefix, a single
word Whisper keeps re-spelling (the first word after a buffer cut, a name)
blocked every word behind it until the next pause, which cost more than ten
seconds of latency in the benchmark. The buffer is cut at
committed sentence ends and never grows beyond ``max_buffer_s`` (decoding time
grows with it: on two cores Whisper base int8 needs ≈0.1 s per second of
buffer, so 15 s keeps a decode well under the step budget plus the audience
delay).

Silence yields nothing, by three defences: Silero VAD (faster-whisper's bundled
``faster_whisper.vad``) decides whether the buffer holds speech at all — without
speech the decoder is not even called, nor when everything heard has been committed
already; a word whose timing lies outside every stretch the VAD heard as speech
is dropped (Whisper invents text in the silence after the last sentence: „und das
ist ein sehr leckeres Erinnerungs- und Erinnerungs- …“ was measured at the end of
a stream); a segment that repeats itself (gzip compression ratio above Whisper's
own 2.4) is dropped; and the hallucination filter of
:mod:`aktenkundig.speech.transcribe` drops the broadcast credits Whisper invents
(„Untertitel im Auftrag des ZDF“). The session's term list is the initial prompt
(spellings of names) and fixes known misspellings in every emitted line.

Plain module, no Django: the WebSocket consumer runs it in a worker thread, the
CLI and the benchmark feed it directly.
"""

from __future__ import annotations

import math
import queue
import re
import time
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np

from aktenkundig.speech.subtitles import Word, build_cues
from aktenkundig.speech.transcribe import NO_SPEECH_DROP, SAMPLE_RATE, Terms, is_hallucination

LOW_CONFIDENCE = 0.5  # a word below this probability is marked for the corrector
_SENTENCE_END = (".", "!", "?", "…")
_CLAUSE_END = (",", ";", ":")
LINE_WAIT_S = 1.5  # committed words wait at most this long (audio time) for a clause end
MAX_UNCONFIRMED_S = 3.0  # a hypothesis word this old is shown even without a second vote
PAUSE_FLUSH_S = 1.5  # after this much silence the last words are shown even unconfirmed
SPEECH_PAD_S = 0.4  # a word's timing may lie this far outside a VAD speech stretch
MAX_COMPRESSION_RATIO = 2.4  # Whisper's own threshold for a looping decode


@dataclass
class TimedWord:
    text: str
    start: float  # seconds since the stream began
    end: float
    probability: float = 1.0


@dataclass
class Line:
    """A committed caption line (at most two lines of 42 characters)."""

    start: float
    end: float
    text: str
    confidence: float
    words: list[TimedWord] = field(default_factory=list)

    def words_json(self) -> list[dict]:
        return [{"text": w.text, "start": round(w.start, 2), "end": round(w.end, 2),
                 "p": round(w.probability, 3)} for w in self.words]


def pcm_to_float(chunk: bytes | np.ndarray) -> np.ndarray:
    """16 kHz mono samples as float32 in [-1, 1]: raw bytes are little-endian int16
    (what the browser's worklet sends), arrays may be int16 or float."""
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        data = bytes(chunk)
        if len(data) % 2:
            data = data[:-1]
        return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    array = np.asarray(chunk)
    if array.dtype == np.int16:
        return array.astype(np.float32) / 32768.0
    return array.astype(np.float32, copy=False)


def _norm(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower())


def _agreed(previous: list[TimedWord], current: list[TimedWord]) -> int:
    """How many words at the head of ``current`` two successive hypotheses agree on.

    Words are compared without case and punctuation („Sitzung“ and „Sitzung.“
    agree; the newer spelling is kept). Agreement runs through a gap of at most one
    word on either side (one word re-spelt, dropped or added) when at least two
    agreeing words follow it: the words around it are confirmed twice, and the
    word in the gap takes the newer hypothesis's reading, which has heard more of
    the audio after it. A longer disagreement ends the agreed part."""
    old = [_norm(w.text) for w in previous]
    new = [_norm(w.text) for w in current]
    count = old_at = 0
    for block in SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks():
        if not block.size:
            break
        gap_old, gap_new = block.a - old_at, block.b - count
        if (gap_old or gap_new) and (gap_old > 1 or gap_new > 1 or block.size < 2):
            break
        count, old_at = block.b + block.size, block.a + block.size
    return count


def _merge(spans: list[tuple[float, float]], span: tuple[float, float]) -> None:
    """Add ``span`` to the sorted, disjoint ``spans`` (in place)."""
    spans.append(span)
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    spans[:] = merged


class StreamingDecoder:
    """Feed 16 kHz mono chunks with :meth:`feed`; it returns committed lines.

    Not thread-safe: one decoder per stream, used from one thread."""

    def __init__(self, terms: Terms | None = None, model=None, *, step_s: float = 1.0,
                 max_buffer_s: float = 18.0, trim_s: float = 10.0,
                 beam_size: int | None = None) -> None:
        if model is None:
            from aktenkundig.speech.engine import load_model

            model = load_model()
        self.model = model
        self.terms = terms or Terms()
        self.step = int(step_s * SAMPLE_RATE)
        self.step_s = step_s
        if beam_size is None:
            from aktenkundig import config

            beam_size = config.get_int("AKTENKUNDIG_SPEECH_LIVE_BEAM")
        self.beam_size = max(1, beam_size)
        self.max_buffer = int(max_buffer_s * SAMPLE_RATE)
        self.trim_at = int(trim_s * SAMPLE_RATE)
        self.sentence_end = 0.0  # stream time of the last committed sentence end
        self.audio = np.zeros(0, dtype=np.float32)
        self.offset = 0.0  # stream time of self.audio[0]
        self.fed = 0  # samples received in total
        self.decoded_at = 0
        self.committed_until = 0.0
        self.hypothesis: list[TimedWord] = []  # the last decode's words after the commit point
        self.pending: list[TimedWord] = []  # committed, not yet part of a line
        self.history: list[TimedWord] = []  # recent committed words (prompt context)
        self.last_speech_end = -1.0  # stream time where the VAD last heard speech end
        self.speech: list[tuple[float, float]] = []  # what the VAD heard, in the buffer
        self.decodes = 0
        self.use_context = False
        self.decode_seconds: list[float] = []
        self.dropped: list[str] = []

    @property
    def now(self) -> float:
        return self.fed / SAMPLE_RATE

    def insert(self, chunk: bytes | np.ndarray) -> None:
        samples = pcm_to_float(chunk)
        self.audio = np.concatenate([self.audio, samples])
        self.fed += len(samples)
        if len(self.audio) > 2 * self.max_buffer:  # a hard memory bound, whatever comes in
            self._trim_to(self.offset + (len(self.audio) - self.max_buffer) / SAMPLE_RATE)

    def feed(self, chunk: bytes | np.ndarray) -> list[Line]:
        """Add audio; decode when a step's worth of new audio has arrived."""
        self.insert(chunk)
        if self.fed - self.decoded_at >= self.step:
            return self.process()
        return []

    def process(self) -> list[Line]:
        """One decode step over the buffer (call it when the caller has time: a
        worker that fell behind calls it less often and catches up with more
        audio per step, so the lag does not grow)."""
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        # VAD over the new audio only (with half a second before it, so a word
        # that began in the last step counts): over the whole buffer it would cost
        # as much as a quarter of the decode, every step.
        since = max(self.offset, (self.decoded_at - SAMPLE_RATE // 2) / SAMPLE_RATE)
        self.decoded_at = self.fed
        start = int((since - self.offset) * SAMPLE_RATE)
        speech = get_speech_timestamps(
            self.audio[start:], VadOptions(min_silence_duration_ms=300, speech_pad_ms=100))
        for span in speech:
            _merge(self.speech, (since + span["start"] / SAMPLE_RATE,
                                 since + span["end"] / SAMPLE_RATE))
        if speech:
            self.last_speech_end = since + speech[-1]["end"] / SAMPLE_RATE
        if self.last_speech_end <= max(self.offset, self.committed_until + SPEECH_PAD_S):
            # No speech in the buffer, or none after what is committed: nothing to
            # decode (decoding committed speech plus silence only invites invention).
            lines = self._commit(self.hypothesis, force=True)
            self._trim_to(self.now - 1.0)  # keep a second: a word may be starting
            return lines
        pause = self.now - self.last_speech_end
        words = self._decode()
        agreed = _agreed(self.hypothesis, words)
        # Words the speaker said MAX_UNCONFIRMED_S ago and still not agreed on are
        # shown as the newest decode reads them (it has heard the most context):
        # this bounds the latency where Whisper keeps re-reading a stretch, which
        # otherwise waited for the next pause or the buffer cap (20–30 s measured).
        aged = agreed
        while aged < len(words) and words[aged].end <= self.now - MAX_UNCONFIRMED_S:
            aged += 1
        lines = self._commit(words[:aged])
        self.hypothesis = words[aged:]
        if pause >= PAUSE_FLUSH_S:  # the speaker stopped: show the rest now
            lines += self._commit(self.hypothesis, force=True)
        if len(self.audio) > self.trim_at and self.sentence_end > self.offset:
            # Cut at a committed sentence end only once the buffer is long: the
            # model recognises a sentence's start far better with the audio before
            # it (a buffer cut at every sentence end garbled short sentences).
            self._trim_to(self.sentence_end)
        if len(self.audio) > self.max_buffer:
            if self.committed_until <= self.offset + 1.0:  # nothing agreed in a full buffer
                lines += self._commit(self.hypothesis, force=True)
            self._trim_to(self.committed_until)
        return lines

    def finish(self) -> list[Line]:
        """End of the stream: decode what is left and commit it."""
        lines = self.process() if self.fed > self.decoded_at else []
        return lines + self._commit(self.hypothesis, force=True)

    # -- internals -------------------------------------------------------------

    def _prompt(self) -> str | None:
        if not self.use_context:
            return self.terms.prompt()
        context = " ".join(w.text for w in self.history if w.end <= self.offset)[-200:]
        prompt = " ".join(part for part in (self.terms.prompt(), context) if part)
        return prompt or None

    def _beam(self) -> int:
        """The configured beam while decoding keeps up, greedy after a step that
        took longer than the step itself, so that a machine that falls behind
        gets cheaper steps instead of a growing lag. Greedy is the default: beam 5
        with Whisper base on two quiet cores (bench/speech.py, six espeak rows,
        same run) gave streaming WER 0.431 against 0.443 — inside the spread
        between runs — for p95 latency 5.2 s against 4.6 s."""
        if self.decode_seconds and self.decode_seconds[-1] > self.step_s:
            return 1
        return self.beam_size

    def _decode(self) -> list[TimedWord]:
        self.decodes += 1
        started = time.perf_counter()
        segments, _info = self.model.transcribe(
            self.audio, language="de", task="transcribe", beam_size=self._beam(),
            # No temperature fallback: a failed quality check re-decoded the buffer
            # up to five times (11 s steps seen); the next step decodes again anyway.
            temperature=0.0,
            # The VAD above already gated the buffer; running it again inside
            # transcribe costs ~20 % per step. Timestamps stay on: without them
            # faster-whisper's word alignment was twice as slow here.
            word_timestamps=True,
            condition_on_previous_text=False, initial_prompt=self._prompt(),
        )
        words: list[TimedWord] = []
        for segment in segments:
            text = segment.text.strip()
            if not text or is_hallucination(text) or (
                segment.no_speech_prob > NO_SPEECH_DROP and segment.avg_logprob < -1.0
            ) or segment.compression_ratio > MAX_COMPRESSION_RATIO:
                if text:
                    self.dropped.append(text)
                continue
            for w in segment.words or []:
                start, end = self.offset + float(w.start), self.offset + float(w.end)
                if words and not w.word.startswith(" "):  # a piece of the previous word
                    last = words[-1]
                    words[-1] = TimedWord(last.text + w.word, last.start, end,
                                          min(last.probability, float(w.probability)))
                else:
                    words.append(TimedWord(w.word.strip(), start, end, float(w.probability)))
        self.decode_seconds.append(time.perf_counter() - started)
        words = [w for w in words if w.text and w.start >= self.committed_until - 0.1
                 and self._heard(w)]
        # Whisper often repeats the last committed words at the head of the new
        # hypothesis (timings are fuzzy by a few hundredths): drop that overlap.
        tail = [_norm(w.text) for w in self.history[-5:]]
        for n in range(min(5, len(tail), len(words)), 0, -1):
            if tail[-n:] == [_norm(w.text) for w in words[:n]]:
                words = words[n:]
                break
        return words

    def _commit(self, words: list[TimedWord], force: bool = False) -> list[Line]:
        if words:
            self.pending.extend(words)
            self.history = (self.history + words)[-50:]
            self.committed_until = max(self.committed_until, words[-1].end)
            if force:
                self.hypothesis = [w for w in self.hypothesis if w.start >= words[-1].end]
        return self._emit(force)

    def _emit(self, force: bool) -> list[Line]:
        """Lines from the committed words: up to the last sentence or clause end,
        after LINE_WAIT_S of speech without one, or every full two-line cue;
        everything when ``force`` (pause, end of stream). Waiting for the end of
        a sentence would add its whole length to the latency."""
        if not self.pending:
            return []
        cut = len(self.pending) if force else 0
        if not force:  # up to the last sentence or clause end: a line reads as a unit
            for i, word in enumerate(self.pending):
                if word.text.endswith(_SENTENCE_END + _CLAUSE_END):
                    cut = i + 1
            if not cut and (self.pending[-1].end - self.pending[0].start >= LINE_WAIT_S
                            or self.now - self.pending[0].end >= LINE_WAIT_S):
                cut = len(self.pending)  # a long clause, or a word waiting: show it
        lines: list[Line] = []
        if cut:
            lines = self._lines(self.pending[:cut])
            self.pending = self.pending[cut:]
            if lines and lines[-1].text.endswith(_SENTENCE_END):
                self.sentence_end = lines[-1].end
        if self.pending:  # a long sentence: emit the cues that are already full
            groups = self._lines(self.pending)
            if len(groups) > 1:
                done = sum(len(line.words) for line in groups[:-1])
                lines += groups[:-1]
                self.pending = self.pending[done:]
        return [line for line in lines if self._keep(line)]

    def _keep(self, line: Line) -> bool:
        if is_hallucination(line.text):
            self.dropped.append(line.text)
            return False
        return True

    def _lines(self, words: list[TimedWord]) -> list[Line]:
        cues = build_cues([([Word(w.text, w.start, w.end) for w in words], 1.0)])
        lines, position = [], 0
        for cue in cues:
            chunk = words[position:position + len(cue.words)]
            position += len(cue.words)
            logs = [math.log(max(w.probability, 1e-6)) for w in chunk]
            lines.append(Line(chunk[0].start, chunk[-1].end, self.terms.fix(cue.text),
                              math.exp(sum(logs) / len(logs)), chunk))
        return lines

    def _heard(self, word: TimedWord) -> bool:
        """Whether the VAD heard speech where Whisper placed ``word``."""
        if any(start - SPEECH_PAD_S <= word.end and word.start <= end + SPEECH_PAD_S
               for start, end in self.speech):
            return True
        self.dropped.append(word.text)
        return False

    def _trim_to(self, time: float) -> None:
        cut = int((time - self.offset) * SAMPLE_RATE)
        if cut <= 0:
            return
        cut = min(cut, len(self.audio))
        self.audio = self.audio[cut:]
        self.offset += cut / SAMPLE_RATE
        self.speech = [(start, end) for start, end in self.speech if end > self.offset]


def step(decoder: StreamingDecoder, audio: queue.Queue, wait_s: float = 0.5
         ) -> tuple[list[Line], bool]:
    """One turn of a live loop: take everything that arrived in ``audio`` (``None``
    marks the end of the stream), decode once if a step's worth is new, and
    return (committed lines, ended). A loop that calls this never queues work
    behind a slow decode: what came in meanwhile is decoded together, so the
    delay stays bounded by one decode instead of growing (the failure of
    streaming servers whose CPU falls behind)."""
    try:
        chunks = [audio.get(timeout=wait_s)]
    except queue.Empty:
        chunks = []
    while True:
        try:
            chunks.append(audio.get_nowait())
        except queue.Empty:
            break
    ended = any(chunk is None for chunk in chunks)  # (arrays do not compare with "in")
    for chunk in chunks:
        if chunk is not None and len(chunk):
            decoder.insert(chunk)
    if ended:
        return decoder.finish(), True
    if decoder.fed - decoder.decoded_at >= decoder.step:
        return decoder.process(), False
    return [], False
