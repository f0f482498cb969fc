"""Registering form types (versions), tenant isolation, audit, and the CLI."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from aktenkundig.forms import services
from aktenkundig.forms.models import FormType
from aktenkundig.forms.schema import FormError
from aktenkundig.forms.tests.conftest import RULES, SAMPLE, VALUES, filled, scan
from aktenkundig.governance.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_versions(tenant, blank, registered):
    again, created = services.register(tenant, "hundesteuer", blank,
                                       overrides=RULES.read_text("utf-8"))
    assert (again.pk, created) == (registered.pk, False)
    newer, created = services.register(tenant, "hundesteuer", blank)  # new edition
    assert created and newer.version == 2
    assert [t.version for t in services.latest_types(tenant)] == [2]


def test_tenant_isolation(tenant, other_tenant, blank, sample_schema, registered):
    with pytest.raises(FormError, match="nicht registriert"):
        services.extract(other_tenant, filled(blank, sample_schema), form="hundesteuer")
    with pytest.raises(FormError, match="noch kein Formular"):
        services.extract(other_tenant, filled(blank, sample_schema))
    result, form_type = services.extract(tenant, filled(blank, sample_schema))
    assert form_type.tenant == tenant and result.fields["Name"].value == VALUES["Name"]
    assert not FormType.objects.filter(tenant=other_tenant).exists()


def test_extract_is_audited_without_clear_text(tenant, blank, sample_schema, registered):
    services.extract(tenant, filled(blank, sample_schema))
    record = AuditRecord.objects.filter(tenant=tenant, feature="forms", kind="ai").last()
    assert record is not None
    assert "Schneider" not in record.body and "DE89" not in record.body
    assert '"form":"hundesteuer"' in record.body.replace(" ", "")


def test_cli_add_prints_fields(tenant, capsys):
    call_command("forms", "add", str(SAMPLE), "--name", "hundesteuer", "--rules", str(RULES),
                 "--tenant", tenant.slug)
    out = capsys.readouterr().out
    assert "hundesteuer Version 1" in out and "17 Felder" in out
    assert "IBAN" in out and "Pflicht" in out and "[ja | nein]" in out


def test_cli_add_xfa_only_fails_clearly(tenant, tmp_path):
    from aktenkundig.forms.tests.test_schema import _xfa_only_pdf

    path = tmp_path / "xfa.pdf"
    path.write_bytes(_xfa_only_pdf())
    with pytest.raises(CommandError, match="XFA"):
        call_command("forms", "add", str(path), "--name", "x", "--tenant", tenant.slug)


@pytest.mark.slow
def test_cli_extract_json_and_batch(tenant, registered, blank, sample_schema, tmp_path,
                                    capsys):
    pdf = tmp_path / "antrag.pdf"
    pdf.write_bytes(filled(blank, sample_schema))
    jpeg = tmp_path / "scan.jpg"
    jpeg.write_bytes(scan(filled(blank, sample_schema), angle=1.0, shift=(20, 10)))
    call_command("forms", "extract", str(pdf), "--form", "hundesteuer", "--json",
                 "--tenant", tenant.slug)
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"form", "version", "fields"}
    assert (out["form"], out["version"]) == ("hundesteuer", 1)
    item = out["fields"]["IBAN"]
    assert set(item) == {"value", "confidence", "page", "bbox", "valid", "problem"}
    assert out["fields"]["KontoinhaberAndere"]["value"] is True
    assert out["fields"]["SEPA"]["value"] is False
    batch = tmp_path / "batch.txt"
    batch.write_text(f"{pdf}\n{jpeg}\n{tmp_path / 'missing.pdf'}\n")
    call_command("forms", "extract", "--batch", str(batch), "--json", "--tenant", tenant.slug)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 3
    assert lines[0]["fields"]["Name"]["value"] == lines[1]["fields"]["Name"]["value"] == \
        "Schneider"
    assert "error" in lines[2]


def test_cli_extract_wrong_form_message(tenant, registered, tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nkaputt")
    with pytest.raises(CommandError, match="lesbares Bild"):
        call_command("forms", "extract", str(path), "--json", "--tenant", tenant.slug)


def test_demo_registers_sample_form(tenant):
    from aktenkundig.forms import demo

    message = demo.setup(tenant)
    assert "registriert" in message and "hundesteuer-scan.jpg" in message
    assert "bereit" in demo.setup(tenant)  # running the demo again changes nothing
    assert FormType.objects.filter(tenant=tenant, name="hundesteuer").count() == 1


@pytest.mark.slow
def test_declared_fields_for_a_flat_pdf(tenant, blank, sample_schema, tmp_path, capsys):
    """A paper form without AcroForm fields: its flat PDF plus a TOML declaration."""
    from aktenkundig.forms.samples.build import layout

    flat = tmp_path / "flach.pdf"
    flat.write_bytes(layout())  # the same print, no widgets
    by_name = sample_schema.by_name()
    toml = tmp_path / "felder.toml"
    toml.write_text(
        f'[[field]]\nname = "Name"\nkind = "text"\nrect = {by_name["Name"].rect}\n'
        f'[[field]]\nname = "IBAN"\nkind = "iban"\nrect = {by_name["IBAN"].rect}\n'
        f'[[field]]\nname = "SEPA"\nkind = "checkbox"\nrect = {by_name["SEPA"].rect}\n')
    call_command("forms", "add", str(flat), "--name", "papier", "--fields", str(toml),
                 "--tenant", tenant.slug)
    assert "3 Felder, Quelle: declared" in capsys.readouterr().out
    result, _ = services.extract(tenant, scan(filled(blank, sample_schema), angle=0.7),
                                 form="papier")
    assert result.fields["Name"].value == "Schneider"
    assert result.fields["IBAN"].value == "DE89370400440532013000"
    assert result.fields["SEPA"].value is False
