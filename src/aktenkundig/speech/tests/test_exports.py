"""The export module: cues by the line rules from segments (with and without
speakers, from dicts, segments and cues), VTT/SRT, the transcript with German
clock times and speaker turns, and the Niederschrift draft through the gateway:
with the real test model (mechanics: text, AI note, audit), with no model, with
the model down, and refused by the KI-Register gate."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from aktenkundig.governance.audit import text_digest
from aktenkundig.governance.models import AuditRecord
from aktenkundig.speech import exports
from aktenkundig.speech.subtitles import MAX_LINE, Cue

LONG = ("Der Kreistag hat heute den Haushalt für das nächste Jahr beschlossen, nachdem "
        "die Fraktionen lange über die Kreisumlage und die Schulsanierung gestritten hatten.")

MEETING = [
    {"start": 1.0, "end": 4.0, "text": "Ich eröffne die Sitzung.", "speaker": "Frau Meyer"},
    {"start": 4.5, "end": 7.0, "text": "Wir kommen zu Punkt eins.", "speaker": "Frau Meyer"},
    {"start": 8.0, "end": 14.0, "text": "Die CDU beantragt, den Haushalt zu beschließen.",
     "speaker": "Herr Schulz"},
    {"start": 3725.2, "end": 3730.0, "text": "Der Antrag ist mit 31 zu 12 Stimmen angenommen.",
     "speaker": "Frau Meyer"},
]


def test_long_segment_becomes_readable_cues_within_its_time() -> None:
    cues = exports.cues([{"start": 10.0, "end": 20.0, "text": LONG, "confidence": 0.8}])
    assert len(cues) >= 2
    assert all(len(c.lines) <= 2 and all(len(line) <= MAX_LINE for line in c.lines)
               for c in cues)
    assert " ".join(c.text for c in cues) == LONG  # nothing lost or reordered
    assert cues[0].start == 10.0 and cues[-1].end <= 20.0 + 7.0
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))  # no overlap
    assert cues[0].text.endswith("beschlossen,")  # cut at the clause mark
    assert all(c.confidence == 0.8 for c in cues)


def test_speaker_change_starts_a_new_cue_and_vtt_srt_are_written() -> None:
    vtt = exports.vtt(MEETING)
    assert vtt.startswith("WEBVTT\n\n00:00:01.000 --> ")
    assert "\n01:02:05.200 --> " in vtt
    blocks = [b for b in exports.srt(MEETING).strip().split("\n\n")]
    assert [b.split("\n")[0] for b in blocks] == [str(n) for n in range(1, len(blocks) + 1)]
    assert any(b.endswith("Die CDU beantragt, den Haushalt zu\nbeschließen.")
               or "Die CDU beantragt" in b.split("\n")[2] for b in blocks)
    assert not any("Punkt eins. Die CDU" in b for b in blocks)


def test_segments_of_accepts_cues_and_orders_by_time() -> None:
    items = [Cue(5.0, 6.0, ["zweite", "Zeile"]), {"start": 1, "end": 2, "text": "  erste  "},
             {"start": 3, "end": 4, "text": "   "}]
    segments = exports.segments_of(items)
    assert [s.text for s in segments] == ["erste", "zweite Zeile"]
    assert segments[0].confidence == 1.0 and segments[0].speaker == ""


def test_spread_words_divides_the_span_by_length() -> None:
    words = exports.spread_words("ab abcd", 0.0, 8.0)
    assert [w.text for w in words] == ["ab", "abcd"]
    assert words[0].end == pytest.approx(3.0) and words[1].end == pytest.approx(8.0)


def test_transcript_joins_turns_with_german_clock_and_names() -> None:
    text = exports.transcript(MEETING, title="Kreistag, 3. Sitzung")
    assert text.startswith("Transkript: Kreistag, 3. Sitzung\nAutomatisch erstellt")
    paragraphs = text.strip().split("\n\n")[1:]
    assert paragraphs == [
        "[00:00:01] Frau Meyer: Ich eröffne die Sitzung. Wir kommen zu Punkt eins.",
        "[00:00:08] Herr Schulz: Die CDU beantragt, den Haushalt zu beschließen.",
        "[01:02:05] Frau Meyer: Der Antrag ist mit 31 zu 12 Stimmen angenommen.",
    ]
    plain = exports.transcript([{"start": 0, "end": 1, "text": "A."},
                                {"start": 2, "end": 3, "text": "B."}])
    assert plain.strip().split("\n\n")[1:] == ["[00:00:00] A.", "[00:00:02] B."]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_clock() -> None:
    assert exports.clock(0) == "00:00:00"
    assert exports.clock(59.9) == "00:00:59"
    assert exports.clock(3725.2) == "01:02:05"


@pytest.mark.django_db
def test_minutes_without_a_model_says_why(speech_tenant, staff_member, monkeypatch) -> None:
    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    draft = exports.minutes_draft(MEETING, tenant=speech_tenant, user=staff_member,
                                  data_level=1)
    assert not draft.available and "kein Sprachmodell" in draft.reason
    assert not AuditRecord.objects.filter(feature="speech", kind="ai").exists()


@pytest.mark.django_db
def test_minutes_with_the_model_down_says_why(speech_tenant, staff_member, llm_down) -> None:
    draft = exports.minutes_draft(MEETING, tenant=speech_tenant, user=staff_member,
                                  data_level=1)
    assert not draft.available and draft.reason.startswith("Kein Entwurf der Niederschrift")


@pytest.mark.django_db
def test_minutes_refused_by_the_gate(tenant, staff_member, llm_down) -> None:
    draft = exports.minutes_draft(MEETING, tenant=tenant, user=staff_member, data_level=1)
    assert not draft.available and "KI-Register" in draft.reason


@pytest.mark.django_db
def test_minutes_level_above_the_model_is_not_sent(speech_tenant, staff_member,
                                                   llm_down, monkeypatch) -> None:
    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_LEVEL", "offen")
    draft = exports.minutes_draft(MEETING, tenant=speech_tenant, user=staff_member,
                                  data_level=2)
    assert not draft.available and "Schutzstufe" in draft.reason


@pytest.mark.llm
@pytest.mark.slow
@pytest.mark.django_db
def test_minutes_draft_with_the_real_model_is_marked_and_audited(
        speech_tenant, staff_member, llm_backend) -> None:
    draft = exports.minutes_draft(MEETING, tenant=speech_tenant, user=staff_member,
                                  data_level=1, title="Kreistag", reference="speech-job:1")
    assert draft.available, draft.reason
    assert draft.model and draft.ai_generated
    assert draft.as_text().startswith("KI-generierter Entwurf")
    record = AuditRecord.objects.get(tenant=speech_tenant, feature="speech", kind="ai")
    assert record.case_ref == "speech-job:1"
    data = json.loads(record.body)["data"]
    assert data["extra"]["purpose"] == "minutes" and data["model"] == draft.model
    if data["content"] == "pseudonymised":
        assert "Punkt eins" in data["input"] and data["output"] == draft.text
    else:  # the tenant's policy keeps digests only
        assert data["output"] == text_digest(draft.text)
