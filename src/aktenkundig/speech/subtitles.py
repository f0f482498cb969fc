"""Subtitle cues by the rules people can read, and the WebVTT and SRT writers.

Whisper's segments follow its 30-second windows and pauses, not a reader: a segment
may hold four lines of text shown for two seconds. Broadcast practice (and the
German subtitle guidelines used by ARD/ZDF) is at most two lines of about 42
characters, shown long enough to read — roughly 15–20 characters a second — and
broken at punctuation rather than in the middle of a phrase. ``build_cues`` applies
those rules: it splits a segment's words into cues that fit two lines, prefers to
end a cue at a sentence or clause mark, and stretches a cue's display time (into
the following silence, never over the next cue) when it would be too fast to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LINE = 42
MAX_LINES = 2
MAX_CPS = 17.0  # characters per second a reader can follow comfortably
MIN_DURATION = 1.0
MAX_DURATION = 7.0
_SENTENCE_END = (".", "!", "?", "…")
_CLAUSE_END = (",", ";", ":", "–", "—")


@dataclass
class Word:
    text: str
    start: float
    end: float


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str]
    confidence: float = 1.0
    words: list[Word] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def wrap(text: str, width: int = MAX_LINE) -> list[str]:
    """Lines of at most ``width`` characters, balanced so that two lines are of
    similar length (a short second line of one word reads badly)."""
    words = text.split()
    if len(text) <= width:
        return [text] if text else []
    best: list[str] | None = None
    best_score = None
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        if len(first) > width or len(second) > width:
            continue
        score = abs(len(first) - len(second))
        if first.endswith(_SENTENCE_END + _CLAUSE_END):
            score -= 10  # a break after punctuation is worth some imbalance
        if best_score is None or score < best_score:
            best, best_score = [first, second], score
    if best is not None:
        return best
    lines, line = [], ""
    for word in words:  # longer than two lines: greedy (the caller avoids this)
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def _fits(words: list[Word]) -> bool:
    return len(wrap(" ".join(w.text for w in words))) <= MAX_LINES


def _groups(words: list[Word]) -> list[list[Word]]:
    """Split a run of words into groups that each fit in two lines and in
    MAX_DURATION, cutting after the last punctuation that still fits."""
    groups: list[list[Word]] = []
    rest = list(words)
    while rest:
        end = 0
        while end < len(rest) and _fits(rest[: end + 1]) and (
            rest[end].end - rest[0].start <= MAX_DURATION or end == 0
        ):
            end += 1
        if end < len(rest):  # prefer a cut at a sentence end, then at a clause mark
            for marks in (_SENTENCE_END, _CLAUSE_END):
                cuts = [i + 1 for i in range(end) if rest[i].text.endswith(marks)]
                if cuts and cuts[-1] >= max(1, end // 2):
                    end = cuts[-1]
                    break
        groups.append(rest[:end])
        rest = rest[end:]
    return groups


def build_cues(segments: list[tuple[list[Word], float]]) -> list[Cue]:
    """Cues from recognised segments, each a list of timed words with the
    segment's confidence."""
    cues: list[Cue] = []
    for words, confidence in segments:
        words = [w for w in words if w.text.strip()]
        for group in _groups(words):
            text = " ".join(w.text.strip() for w in group)
            cues.append(Cue(group[0].start, group[-1].end, wrap(text), confidence, group))
    for index, cue in enumerate(cues):  # give slow readers time, without overlap
        limit = cues[index + 1].start if index + 1 < len(cues) else cue.end + MAX_DURATION
        needed = max(MIN_DURATION, len(cue.text) / MAX_CPS)
        if cue.end - cue.start < needed:
            cue.end = max(cue.end, min(cue.start + needed, limit))
    return cues


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _clean(line: str) -> str:
    # "-->" inside a cue would end it in WebVTT; a blank line would end it in both.
    return line.replace("-->", "→").replace("\n", " ").strip()


def to_vtt(cues: list[Cue]) -> str:
    blocks = ["WEBVTT", ""]
    for cue in cues:
        blocks.append(f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}")
        blocks.extend(_clean(line) for line in cue.lines)
        blocks.append("")
    return "\n".join(blocks)


def to_srt(cues: list[Cue]) -> str:
    blocks = []
    for number, cue in enumerate(cues, 1):
        blocks.append(str(number))
        blocks.append(f"{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}")
        blocks.extend(_clean(line) for line in cue.lines)
        blocks.append("")
    return "\n".join(blocks)

