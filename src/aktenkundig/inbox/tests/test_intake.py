"""Intake channels with real components: the hot folder on a real directory, a scanned
letter through the real OCR (tesseract), and the CLI as evaluation scripts call it."""

from __future__ import annotations

import io
import json
import os
import random
import time

import pytest
from django.core.management import call_command

from aktenkundig.inbox.consumers.folder import FolderConsumer
from aktenkundig.inbox.models import Channel, Item, Status
from aktenkundig.inbox.tests import letters

pytestmark = pytest.mark.django_db


def _age(path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_hot_folder_takes_settled_files_and_archives_after_commit(inbox_tenant, tmp_path):
    inbox = tmp_path / "scanner"
    inbox.mkdir()
    letter = inbox / "brief.eml"
    letter.write_bytes(
        b"From: anna@example.org\r\nTo: post@musterhausen.example\r\nSubject: Bauantrag\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + letters.letter("63", random.Random(1)).encode("utf-8"))
    _age(letter, 10)
    consumer = FolderConsumer(inbox_tenant, inbox, settle_seconds=2)
    assert consumer.scan() == []  # first look: size noted, nothing taken yet
    (item,) = consumer.scan()
    assert item.channel == Channel.FOLDER and "Bauantrag" in item.text
    assert not letter.exists() and (inbox / "archiv" / "brief.eml").exists()
    assert Item.objects.filter(pk=item.pk).exists()


def test_hot_folder_does_not_take_a_file_still_being_written(inbox_tenant, tmp_path):
    inbox = tmp_path / "scanner"
    inbox.mkdir()
    growing = inbox / "scan.pdf"
    growing.write_bytes(b"%PDF-1.7\n")  # the scanner has only begun
    _age(growing, 10)
    consumer = FolderConsumer(inbox_tenant, inbox, settle_seconds=2)
    consumer.scan()
    with growing.open("ab") as handle:  # still growing between the two looks
        handle.write(b"1 0 obj\n")
    _age(growing, 10)
    assert consumer.scan() == [] and growing.exists()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    recent = fresh / "neu.png"
    recent.write_bytes(b"\x89PNG\r\n\x1a\n")  # unchanged, but written just now
    other = FolderConsumer(inbox_tenant, fresh, settle_seconds=30)
    other.scan()
    assert other.scan() == [] and recent.exists()
    assert not Item.objects.filter(tenant=inbox_tenant).exists()


def _scan_image(text: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1400, 900), 255)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 30)
    except OSError:
        font = ImageFont.load_default(size=30)
    y = 40
    for line in text.splitlines():
        draw.text((60, y), line, fill=0, font=font)
        y += 42
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.slow
def test_scanned_letter_is_read_by_ocr_and_routed(trained_tenant, tmp_path):
    text = ("Anna Keller\nHauptstraße 5\n12345 Musterhausen\n\nBetreff: Bauantrag für ein "
            "Einfamilienhaus\n\nDie Bauzeichnungen und der Lageplan liegen bei.\n"
            "Das Grundstück liegt im Geltungsbereich des Bebauungsplans.\n"
            "Mit freundlichen Grüßen")
    path = tmp_path / "scan.png"
    path.write_bytes(_scan_image(text))
    _age(path, 10)
    consumer = FolderConsumer(trained_tenant, tmp_path, settle_seconds=1)
    consumer.scan()
    (item,) = consumer.scan()
    assert item.status == Status.WAITING, item.error
    assert "Bebauungsplan" in item.text
    assert item.suggested_unit.code == "63"


def test_cli_train_and_classify_json_lines(inbox_tenant, tmp_path):
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join(json.dumps({"text": t, "label": c}, ensure_ascii=False)
                               for t, c in letters.corpus(per_unit=10)), encoding="utf-8")
    out = io.StringIO()
    call_command("inbox", "train", str(train), "--tenant", inbox_tenant.slug, stdout=out)
    report = json.loads(out.getvalue())
    assert report["model_version"] == 1
    assert 0 <= report["cross_validated"]["macro_f1"] <= 1
    assert set(report["cross_validated"]["per_label"]) == set(letters.UNITS)

    batch = tmp_path / "batch.jsonl"
    texts = [letters.letter("51", random.Random(5)), "Guten Tag, bitte melden Sie sich."]
    batch.write_text("\n".join(json.dumps({"text": t}) for t in texts), encoding="utf-8")
    out = io.StringIO()
    call_command("inbox", "classify", "--json", "--batch", str(batch),
                 "--tenant", inbox_tenant.slug, stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2
    for line in lines:
        assert set(line) == {"label", "probability", "abstained", "candidates"}
        probs = [c["probability"] for c in line["candidates"]]
        assert probs == sorted(probs, reverse=True)
        assert (line["label"] is None) == line["abstained"]
    assert lines[0]["candidates"][0]["label"] == "51"
    assert lines[1]["abstained"] is True


def test_cli_reports_bad_lines_in_german(inbox_tenant, tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a"}\nkein json\n', encoding="utf-8")
    with pytest.raises(CommandError, match="Zeile"):
        call_command("inbox", "train", str(bad), "--tenant", inbox_tenant.slug)


def test_hot_folder_splits_a_batch_scan_into_letters(inbox_tenant, tmp_path):
    from aktenkundig.inbox.tests.test_splitting import LETTER_A, LETTER_A2, LETTER_B
    from aktenkundig.testing.pdf import text_pdf

    batch = tmp_path / "stapel.pdf"
    batch.write_bytes(text_pdf([LETTER_A, LETTER_A2, LETTER_B]))
    _age(batch, 10)
    consumer = FolderConsumer(inbox_tenant, tmp_path, settle_seconds=1)
    consumer.scan()
    first, second = consumer.scan()
    assert first.page_count == 2 and "Bauantrag" in first.text
    assert second.page_count == 1 and "Widerspruch" in second.text
    assert "Briefanfang" in second.source and not batch.exists()
