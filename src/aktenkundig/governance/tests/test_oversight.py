import datetime as dt
import random

import pytest
from django.utils import timezone

from aktenkundig.governance import oversight, policy
from aktenkundig.governance.models import Decision, OversightItem, SecondReview
from aktenkundig.governance.tests.conftest import pass_all_modules


@pytest.fixture
def inbox(tenant, clerk, reviewer, live):
    live("inbox")
    pass_all_modules(clerk, tenant)
    pass_all_modules(reviewer, tenant)
    return tenant


def _propose(tenant, **extra):
    values = {"suggestion": "Amt 32 Ordnungsamt", "confidence": 0.82,
              "evidence": ["Betreff: Parkausweis"], "case_ref": "AZ-2025-17",
              "subject": "Schreiben vom 3. März", "unit": "Poststelle", "model_version": "v1"}
    values.update(extra)
    return oversight.propose(tenant, "inbox", **values)


def test_suggestions_are_refused_while_the_feature_is_off(tenant, clerk):
    with pytest.raises(PermissionError, match="KI-Register"):
        _propose(tenant)


def test_reason_is_required_for_accepting_and_for_overriding(inbox, clerk, live):
    live("forms")  # a feature that wants a reason for accepting, too (the default)
    form_item = oversight.propose(inbox, "forms", suggestion="Name: Erika Muster")
    with pytest.raises(oversight.OversightError, match="begründen"):
        oversight.decide(form_item, clerk, accept=True, reason="  ")
    item = _propose(inbox)
    with pytest.raises(oversight.OversightError, match="begründen"):
        oversight.decide(item, clerk, accept=False, reason="  ", final_value="Amt 50")
    with pytest.raises(oversight.OversightError, match="stattdessen"):
        oversight.decide(item, clerk, accept=False, reason="Falsches Amt, Sozialamt zuständig")
    decided = oversight.decide(item, clerk, accept=False, reason="Sozialamt ist zuständig",
                               final_value="Amt 50 Sozialamt", time_spent_ms=4200)
    assert decided.decision == Decision.OVERRIDDEN and decided.final_value == "Amt 50 Sozialamt"
    assert decided.decided_by == clerk and decided.time_spent_ms == 4200
    with pytest.raises(oversight.OversightError, match="schon entschieden"):
        oversight.decide(item, clerk, accept=True, reason="doch übernehmen")


def test_inbox_confirmation_needs_no_reason(inbox, clerk):
    """A scan centre confirms hundreds of letters an hour (issue #12): for the inbox a
    reason is asked only for overriding; the decision is still recorded and audited."""
    item = oversight.decide(_propose(inbox), clerk, accept=True, reason="")
    assert item.decision == Decision.ACCEPTED and item.final_value == "Amt 32 Ordnungsamt"


def test_time_spent_is_measured_from_first_view(inbox, clerk):
    item = _propose(inbox)
    oversight.presented(item, clerk)
    OversightItem.objects.filter(pk=item.pk).update(
        opened_at=timezone.now() - dt.timedelta(seconds=30)
    )
    decided = oversight.decide(item, clerk, accept=True, reason="Zuständigkeit passt")
    assert 29_000 <= decided.time_spent_ms <= 60_000


def test_decide_first_hides_the_suggestion_until_the_own_assessment_is_stored(
    inbox, clerk, officer
):
    policy.update_policy(inbox, "inbox", officer, decide_first=True)
    item = _propose(inbox)
    view = oversight.presented(item, clerk)
    assert view["suggestion_hidden"] and view["suggestion"] is None
    assert view["confidence"] is None and view["evidence"] == []
    with pytest.raises(oversight.OversightError, match="eigene Einschätzung"):
        oversight.decide(item, clerk, accept=True, reason="passt schon")
    oversight.record_own_assessment(item, clerk, "Amt 32")
    item.refresh_from_db()
    view = oversight.presented(item, clerk)
    assert not view["suggestion_hidden"] and view["suggestion"] == "Amt 32 Ordnungsamt"
    with pytest.raises(oversight.OversightError, match="bereits"):
        oversight.record_own_assessment(item, clerk, "Amt 50")
    oversight.decide(item, clerk, accept=True, reason="deckt sich mit meiner Einschätzung")


def test_second_review_sampling_rate_holds_over_many_decisions(inbox, clerk, officer):
    share = 0.1
    policy.update_policy(inbox, "inbox", officer, second_review_share=share)
    n = 500
    for i in range(n):
        oversight.decide(_propose(inbox, case_ref=f"AZ-{i}"), clerk, accept=True,
                         reason="Zuständigkeit geprüft")
    sampled = OversightItem.objects.filter(tenant=inbox,
                                           second_review=SecondReview.PENDING).count()
    expected, sigma = n * share, (n * share * (1 - share)) ** 0.5
    assert abs(sampled - expected) < 4 * sigma, (sampled, expected)
    # the sampler itself, over many more draws, with a seeded generator
    rng = random.Random(7)
    draws = sum(oversight.sampled_for_second_review(0.02, rng) for _ in range(200_000))
    assert abs(draws / 200_000 - 0.02) < 0.0015
    assert not any(oversight.sampled_for_second_review(0.0, rng) for _ in range(1000))


def test_overridden_suggestions_are_not_sampled(inbox, clerk, officer):
    policy.update_policy(inbox, "inbox", officer, second_review_share=1.0)
    item = oversight.decide(_propose(inbox), clerk, accept=False, reason="anderes Amt",
                            final_value="Amt 50")
    assert item.second_review == SecondReview.NONE


def test_blind_second_review_records_disagreement(inbox, clerk, reviewer, officer):
    policy.update_policy(inbox, "inbox", officer, second_review_share=1.0)
    item = oversight.decide(_propose(inbox), clerk, accept=True, reason="passt")
    assert item.second_review == SecondReview.PENDING
    assert oversight.second_review_queue(inbox, clerk) == []
    with pytest.raises(PermissionError):
        oversight.blind_view(item, clerk)
    view = oversight.blind_view(item, reviewer)
    assert "suggestion" not in view and "decision" not in view and "reason" not in view
    reviewed = oversight.record_second_review(item, reviewer, value="Amt 50 Sozialamt",
                                              reason="Antrag auf Wohngeld")
    assert reviewed.disagreement is True and reviewed.second_review == SecondReview.DONE
    rows = oversight.dashboard(inbox)
    assert rows[0].rates.second_reviews == 1 and rows[0].rates.disagreement_rate == 1.0


def test_dashboard_rates_per_unit_feature_model_and_week(inbox, clerk):
    for i in range(4):
        oversight.decide(_propose(inbox, unit="Poststelle"), clerk, accept=i < 3,
                         reason="geprüft und begründet", final_value="Amt 50")
    oversight.decide(_propose(inbox, unit="Bürgerbüro", model_version="v2"), clerk,
                     accept=True, reason="geprüft und begründet")
    rows = {(r.unit, r.model_version): r for r in oversight.dashboard(inbox)}
    post = rows[("Poststelle", "v1")]
    assert post.rates.decisions == 4 and post.rates.acceptance_rate == 0.75
    assert post.rates.override_rate == 0.25 and post.week is not None
    assert rows[("Bürgerbüro", "v2")].rates.acceptance_rate == 1.0


def test_rubber_stamping_alert_fires_below_the_override_floor(inbox, clerk, officer):
    policy.update_policy(inbox, "inbox", officer, override_floor=0.05, second_review_share=0)
    for _ in range(30):
        oversight.decide(_propose(inbox), clerk, accept=True, reason="passt wie immer")
    found = oversight.alerts(inbox, min_decisions=30)
    assert [a.kind for a in found] == ["rubber_stamping"]
    assert "Poststelle" in found[0].message
    # enough overrides bring the unit above the floor
    for _ in range(3):
        oversight.decide(_propose(inbox), clerk, accept=False, reason="anderes Amt",
                         final_value="Amt 50")
    assert oversight.alerts(inbox, min_decisions=30) == []


def test_alert_when_override_rate_shifts_after_a_model_change(inbox, clerk, officer):
    policy.update_policy(inbox, "inbox", officer, shift_threshold=0.15, override_floor=0,
                         second_review_share=0)
    for i in range(20):
        oversight.decide(_propose(inbox, model_version="v1"), clerk, accept=i % 2 == 0,
                         reason="geprüft", final_value="Amt 50")
    OversightItem.objects.filter(model_version="v1").update(
        decided_at=timezone.now() - dt.timedelta(days=10)
    )
    for i in range(20):
        oversight.decide(_propose(inbox, model_version="v2"), clerk, accept=i % 10 != 0,
                         reason="geprüft", final_value="Amt 50")
    found = oversight.alerts(inbox, min_decisions=20)
    assert [a.kind for a in found] == ["model_shift"]
    assert "v1 → v2" in found[0].message and "50.0%" in found[0].message


def test_case_export_explains_what_the_ai_did_and_who_decided(inbox, clerk):
    from aktenkundig.governance import audit, cases

    audit.log_ai_interaction(inbox, feature="inbox", user=None, model="smollm2",
                             model_version="v1", source_ids=["gv-12"], case_ref="AZ-2025-17")
    oversight.decide(_propose(inbox), clerk, accept=False, reason="Wohngeld: Sozialamt",
                     final_value="Amt 50")
    export = cases.export_case(inbox, "AZ-2025-17")
    assert [r["kind"] for r in export["audit_records"]] == ["ai", "human"]
    assert export["oversight"][0]["reason"] == "Wohngeld: Sozialamt"
    text = export["explanation"]
    assert "Posteingang" in text and "anders entschieden" in text
    assert "Wohngeld: Sozialamt" in text and "Mensch" in text
    assert "keine künstliche" in cases.explanation(inbox, "AZ-unbekannt")
