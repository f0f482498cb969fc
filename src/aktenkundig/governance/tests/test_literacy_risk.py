import datetime as dt

import pytest
from django.utils import timezone

from aktenkundig.accounts.models import Role
from aktenkundig.governance import literacy, risk
from aktenkundig.governance.models import RiskCategory, TrainingCompletion
from aktenkundig.governance.tests.conftest import make_user, pass_all_modules


def test_shipped_modules_cover_the_curriculum():
    slugs = [m.slug for m in literacy.modules()]
    assert slugs == ["grundlagen", "halluzinationen", "automatisierungsbias", "datenschutz",
                     "richtlinie"]
    for module in literacy.modules():
        assert len(module.quiz) >= 3 and module.version and module.body.startswith("#")


def test_rendering_escapes_html_and_shows_the_tenants_rules(tenant):
    html = literacy.render(literacy.get_module("richtlinie"), tenant)
    assert "<table>" in html and "Bürger-Chatbot" in html and "{{" not in html
    module = literacy.get_module("grundlagen")
    evil = literacy.Module(**{**module.__dict__, "body": "<script>alert(1)</script>"})
    assert "<script>" not in literacy.render(evil)


def test_grading_needs_every_answer(tenant):
    module = literacy.get_module("grundlagen")
    with pytest.raises(literacy.LiteracyError, match="Frage 2"):
        literacy.grade(module, {0: module.quiz[0].answer})
    with pytest.raises(literacy.LiteracyError, match="Ungültige"):
        literacy.grade(module, {i: "x" for i in range(len(module.quiz))})


def test_certificates_expire_and_follow_the_major_version(tenant, clerk):
    pass_all_modules(clerk, tenant)
    assert literacy.missing_modules(clerk, tenant, ["grundlagen"]) == []
    TrainingCompletion.objects.filter(user=clerk, module="grundlagen").update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    assert [m.slug for m in literacy.missing_modules(clerk, tenant, ["grundlagen"])] == [
        "grundlagen"
    ]
    completion = TrainingCompletion.objects.filter(user=clerk, module="datenschutz").get()
    assert completion.module_version == "1.0"
    TrainingCompletion.objects.filter(pk=completion.pk).update(module_version="1.3")
    assert literacy.missing_modules(clerk, tenant, ["datenschutz"]) == []  # same major
    TrainingCompletion.objects.filter(pk=completion.pk).update(module_version="0.9")
    assert literacy.missing_modules(clerk, tenant, ["datenschutz"])  # old major


def test_report_per_unit(tenant, clerk, reviewer):
    make_user(tenant, "kaemmerei", [Role.STAFF], unit="Kämmerei")
    pass_all_modules(clerk, tenant)
    rows = {row.unit: row for row in literacy.report(tenant)}
    assert rows["Amt 32"].members == 2 and rows["Amt 32"].complete == 1
    assert rows["Amt 32"].per_module["grundlagen"] == 1
    assert rows["Kämmerei"].complete == 0


@pytest.mark.parametrize(
    ("answers", "category"),
    [
        ({}, RiskCategory.MINIMAL),
        ({"art50_interaction": True}, RiskCategory.LIMITED),
        ({"p_manipulation": True, "art50_interaction": True}, RiskCategory.PROHIBITED),
        ({"a_public_benefits": True}, RiskCategory.HIGH),
        ({"a_migration": True, "exc_narrow_procedural": True}, RiskCategory.MINIMAL),
        ({"a_migration": True, "exc_preparatory": True, "profiling": True}, RiskCategory.HIGH),
        ({"a_employment": True, "exc_patterns": True, "art50_interaction": True},
         RiskCategory.LIMITED),
    ],
)
def test_questionnaire_proposes_a_risk_class(answers, category):
    result = risk.classify(answers)
    assert result.category == category
    assert result.reasoning
    if category == RiskCategory.HIGH:
        assert result.fria_required and result.registration_required


def test_exception_keeps_registration_duty_and_reasoning_cites_articles():
    result = risk.classify({"a_migration": True, "exc_narrow_procedural": True})
    assert result.registration_required and not result.fria_required
    assert "Art. 6 Abs. 3 lit. a" in result.rationale and "Art. 49 Abs. 2" in result.rationale
    with pytest.raises(ValueError, match="Unbekannte"):
        risk.classify({"gefuehl": True})


def test_legal_dates_are_configuration(tmp_path, monkeypatch):
    assert risk.legal_dates()["transparency"] == dt.date(2026, 8, 2)
    override = tmp_path / "dates.toml"
    override.write_text(
        "[dates]\nentry_into_force = 2024-08-01\nprohibitions = 2025-02-02\n"
        "gpai = 2025-08-02\ntransparency = 2027-12-02\nhigh_risk_annex_iii = 2027-12-02\n"
        "high_risk_annex_i = 2028-08-02\n"
    )
    monkeypatch.setenv("AKTENKUNDIG_AI_ACT_DATES", str(override))
    assert risk.legal_dates()["transparency"] == dt.date(2027, 12, 2)
    assert not risk.applies("transparency", dt.date(2026, 9, 1))
    # German date: the reasoning is published in the register (no ISO dates for people)
    assert "02.12.2027" in risk.classify({"art50_interaction": True}).rationale
