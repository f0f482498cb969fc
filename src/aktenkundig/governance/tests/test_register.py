import csv
import datetime as dt
import io

import pytest

from aktenkundig.accounts.models import Role
from aktenkundig.governance import register
from aktenkundig.governance.features import FEATURES
from aktenkundig.governance.models import (
    EntryStatus,
    ImmutableError,
    RegisterEntry,
    RegisterVersion,
    RiskCategory,
    WorkflowState,
)
from aktenkundig.governance.tests.conftest import make_user


def _ready(entry, editor):
    return register.update_entry(entry, editor, status=EntryStatus.PILOT,
                                 responsible_unit="Hauptamt", legal_basis="§ 3 EGovG")


def test_every_tenant_starts_with_drafts_for_the_own_features(tenant, other_tenant):
    for t in (tenant, other_tenant):
        entries = RegisterEntry.objects.filter(tenant=t)
        assert {e.feature for e in entries} == set(FEATURES)
        assert all(e.state == WorkflowState.DRAFT and e.published is None for e in entries)
    register.ensure_default_entries(tenant)  # idempotent
    assert RegisterEntry.objects.filter(tenant=tenant).count() == len(FEATURES)
    inbox = RegisterEntry.objects.get(tenant=tenant, feature="inbox")
    assert inbox.risk_category == RiskCategory.MINIMAL  # Art. 6(3)(a) narrow procedural task
    assert "Art. 6 Abs. 3 lit. a" in inbox.risk_rationale
    assert RegisterEntry.objects.get(tenant=tenant, feature="citizen").risk_category == (
        RiskCategory.LIMITED
    )


def test_editor_cannot_approve_own_entry(tenant, editor, officer):
    entry = _ready(RegisterEntry.objects.get(tenant=tenant, feature="assistant"), officer)
    register.submit(entry, officer)
    with pytest.raises(PermissionError, match="Vier-Augen"):
        register.approve(entry, officer)
    # an officer who edited someone else's submission cannot approve it either
    entry = _ready(RegisterEntry.objects.get(tenant=tenant, feature="inbox"), editor)
    register.update_entry(entry, officer, purpose="Post schneller zuordnen.")
    register.submit(entry, editor)
    with pytest.raises(PermissionError, match="Vier-Augen"):
        register.approve(entry, officer)
    assert not RegisterVersion.objects.filter(entry__tenant=tenant).exists()


def test_only_ai_officer_of_the_same_tenant_approves(tenant, other_tenant, editor, admin_user):
    entry = _ready(RegisterEntry.objects.get(tenant=tenant, feature="assistant"), editor)
    register.submit(entry, editor)
    foreign_officer = make_user(other_tenant, "fremd", [Role.AI_OFFICER])
    for person in (admin_user, foreign_officer, make_user(tenant, "clerk2", [Role.STAFF])):
        with pytest.raises(PermissionError):
            register.approve(entry, person)
    second_officer = make_user(tenant, "zweite-ki", [Role.AI_OFFICER])
    version = register.approve(entry, second_officer)
    assert version.number == 1 and version.approved_by == second_officer
    assert version.prepared_by == editor


def test_staff_cannot_edit_and_drafts_cannot_be_approved(tenant, clerk, editor, officer):
    entry = RegisterEntry.objects.get(tenant=tenant, feature="forms")
    with pytest.raises(PermissionError):
        register.update_entry(entry, clerk, name="Anders")
    with pytest.raises(register.RegisterError, match="vorgelegt"):
        register.approve(entry, officer)


def test_submission_requires_the_core_fields(tenant, editor):
    entry = register.create_entry(tenant, editor, name="Chatbot eines Anbieters",
                                  short_description="Ein Chat.")
    with pytest.raises(register.RegisterError) as error:
        register.submit(entry, editor)
    message = str(error.value)
    assert "Zweck" in message and "Rechtsgrundlage" in message and "Risikoklasse" in message


def test_every_published_version_is_kept_and_immutable(tenant, editor, officer):
    entry = _ready(RegisterEntry.objects.get(tenant=tenant, feature="assistant"), editor)
    register.submit(entry, editor)
    first = register.approve(entry, officer)
    register.update_entry(entry, editor, short_description="Neue Beschreibung in B1.")
    register.submit(entry, editor)
    second = register.approve(entry, officer)
    assert [v.number for v in entry.versions.order_by("number")] == [1, 2]
    assert first.data["short_description"] != second.data["short_description"]
    first.data["name"] = "verändert"
    with pytest.raises(ImmutableError):
        first.save()
    with pytest.raises(ImmutableError):
        RegisterVersion.objects.filter(pk=first.pk).update(status="retired")
    with pytest.raises(ImmutableError):
        RegisterVersion.objects.filter(pk=first.pk).delete()
    first.refresh_from_db()
    assert first.data["name"] == entry.name


def test_public_view_shows_only_latest_published_version(tenant, editor, officer):
    entry = _ready(RegisterEntry.objects.get(tenant=tenant, feature="assistant"), editor)
    register.submit(entry, editor)
    register.approve(entry, officer)
    register.update_entry(entry, editor, short_description="ENTWURF – noch nicht freigegeben")
    public = register.published_versions(tenant)
    assert len(public) == 1
    assert "ENTWURF" not in public[0].data["short_description"]
    assert {v.entry.feature for v in public} == {"assistant"}  # other drafts are not public


def test_high_risk_needs_fria_and_eu_database_reference(tenant, editor, officer):
    entry = _ready(register.create_entry(tenant, editor, name="Leistungsprüfung",
                                         short_description="Prüft Anträge."), editor)
    register.update_entry(entry, editor, purpose="Anträge auf Sozialleistungen vorprüfen",
                          contact="ki@musterstadt.de", organisation="Stadt",
                          human_intervention="Sachbearbeitung entscheidet",
                          objection_procedure="Widerspruch nach § 68 VwGO",
                          next_review_date=dt.date.today() + dt.timedelta(days=90))
    result = register.apply_questionnaire(entry, editor, {"a_public_benefits": True})
    assert result.category == RiskCategory.HIGH
    entry.refresh_from_db()
    assert entry.risk_category == RiskCategory.HIGH and "Anhang III Nr. 5" in entry.risk_rationale
    register.submit(entry, editor)
    with pytest.raises(register.RegisterError, match=r"Art\. 27") as error:
        register.approve(entry, officer)
    assert "Art. 49" in str(error.value)
    register.update_entry(entry, editor, fria="GFA-2025-07 vom 01.07.2025",
                          eu_database_reference="EU-AI-DB 123456")
    register.submit(entry, editor)
    assert register.approve(entry, officer).risk_category == RiskCategory.HIGH


def test_prohibited_practice_is_never_approved(tenant, editor, officer):
    entry = _ready(RegisterEntry.objects.get(tenant=tenant, feature="forms"), editor)
    register.apply_questionnaire(entry, editor, {"p_social_scoring": True})
    register.submit(entry, editor)
    with pytest.raises(register.RegisterError, match=r"Art\. 5"):
        register.approve(entry, officer)


def test_exports_contain_every_register_field(tenant, editor, officer):
    entry = _ready(RegisterEntry.objects.get(tenant=tenant, feature="citizen"), editor)
    register.update_entry(entry, editor, dpia="DSFA-3", processing_record="VVT Nr. 17",
                          risks="Falsche Auskunft; Gegenmaßnahme: Quellenangabe",
                          website="https://musterstadt.de/ki")
    register.submit(entry, editor)
    register.approve(entry, officer)
    [record] = register.export_json(tenant)
    expected = {export for _name, export in register.EXPORT_FIELDS}
    assert expected <= set(record)
    assert record["name"] == entry.name and record["lawful_basis"] == "§ 3 EGovG"
    assert record["processing_register"] == "VVT Nr. 17" and record["dpia"] == "DSFA-3"
    assert record["description_short"].startswith("Ein Chat auf der Internetseite")
    assert record["risk_category"] == RiskCategory.LIMITED
    assert record["id"] == "musterstadt/citizen" and record["version"] == 1
    rows = list(csv.DictReader(io.StringIO(register.export_csv(tenant))))
    assert len(rows) == 1
    assert set(register.EXPORT_COLUMNS) <= set(rows[0])
    assert rows[0]["goal"] == record["goal"] and rows[0]["source_data"] == record["source_data"]


def test_csv_export_neutralises_spreadsheet_formulas(tenant, editor, officer):
    entry = _ready(RegisterEntry.objects.get(tenant=tenant, feature="citizen"), editor)
    register.update_entry(entry, editor, risks="=HYPERLINK(\"http://evil\")")
    register.submit(entry, editor)
    register.approve(entry, officer)
    rows = list(csv.DictReader(io.StringIO(register.export_csv(tenant))))
    assert rows[0]["risks"].startswith("'=")


def test_entries_past_review_date_are_flagged(tenant, editor, officer):
    entry = _ready(RegisterEntry.objects.get(tenant=tenant, feature="assistant"), editor)
    register.update_entry(entry, editor, next_review_date=dt.date.today() + dt.timedelta(days=1))
    register.submit(entry, editor)
    version = register.approve(entry, officer)
    assert not register.review_due(version)
    later = dt.date.today() + dt.timedelta(days=2)
    assert register.review_due(version, today=later)
    assert entry in register.overdue_entries(tenant, today=later)
    assert register.export_json(tenant)[0]["review_overdue"] is False
