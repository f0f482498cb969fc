import pytest

from aktenkundig.accounts.models import Role
from aktenkundig.core.models import AccessLevel
from aktenkundig.governance import literacy, policy
from aktenkundig.governance.models import EntryStatus
from aktenkundig.governance.tests.conftest import make_user, pass_all_modules


def test_feature_is_off_until_its_register_entry_is_approved(tenant, clerk, live):
    pass_all_modules(clerk, tenant)
    decision = policy.check_feature(clerk, tenant, "assistant")
    assert not decision and decision.code == "not_registered"
    assert "KI-Register" in decision.reason and "ohne KI" in decision.reason
    live("assistant")
    assert policy.check_feature(clerk, tenant, "assistant")
    assert policy.check_feature(clerk, tenant, "forms").code == "not_registered"


def test_planned_or_retired_entries_do_not_switch_a_feature_on(tenant, clerk, live):
    pass_all_modules(clerk, tenant)
    live("assistant", status=EntryStatus.PLANNED)
    assert policy.check_feature(clerk, tenant, "assistant").code == "not_registered"
    live("inbox", status=EntryStatus.PILOT)
    assert policy.check_feature(clerk, tenant, "inbox")


def test_kill_switch_takes_effect_immediately_and_is_audited(tenant, clerk, admin_user, live):
    from aktenkundig.governance.models import AuditRecord

    pass_all_modules(clerk, tenant)
    live("assistant")
    with pytest.raises(PermissionError):
        policy.kill(tenant, "assistant", clerk, reason="x")
    policy.kill(tenant, "assistant", admin_user, reason="Falsche Antworten gemeldet")
    decision = policy.check_feature(clerk, tenant, "assistant")
    assert decision.code == "killed" and "Falsche Antworten" in decision.reason
    assert policy.check_feature(None, tenant, "assistant").code == "killed"
    assert AuditRecord.objects.filter(tenant=tenant, kind="governance",
                                      body__contains="feature_killed").exists()
    policy.restore(tenant, "assistant", admin_user)
    assert policy.check_feature(clerk, tenant, "assistant")


def test_literacy_gate_locks_and_unlocks_per_user(tenant, clerk, reviewer, live):
    live("assistant")
    decision = policy.check_feature(clerk, tenant, "assistant")
    assert decision.code == "literacy" and "KI-Führerschein" in decision.reason
    for module in literacy.modules()[:-1]:
        literacy.submit_quiz(clerk, tenant, module.slug,
                             {i: q.answer for i, q in enumerate(module.quiz)})
    decision = policy.check_feature(clerk, tenant, "assistant")
    assert decision.code == "literacy" and "KI-Richtlinie" in decision.reason
    last = literacy.modules()[-1]
    wrong = {i: (q.answer + 1) % len(q.options) for i, q in enumerate(last.quiz)}
    result, _ = literacy.submit_quiz(clerk, tenant, last.slug, wrong)
    assert not result.passed
    assert policy.check_feature(clerk, tenant, "assistant").code == "literacy"
    literacy.submit_quiz(clerk, tenant, last.slug, {i: q.answer for i, q in enumerate(last.quiz)})
    assert policy.check_feature(clerk, tenant, "assistant")
    assert policy.check_feature(reviewer, tenant, "assistant").code == "literacy"


def test_richtlinie_rules_roles_data_levels_backends(tenant, clerk, officer, live):
    pass_all_modules(clerk, tenant)
    live("assistant")
    policy.update_policy(tenant, "assistant", officer, allowed_roles=[Role.SUBJECT_ADMIN],
                         max_data_level=AccessLevel.INTERN, allowed_backends=["local"])
    assert policy.check_feature(clerk, tenant, "assistant").code == "role"
    policy.update_policy(tenant, "assistant", officer, allowed_roles=[Role.STAFF])
    assert policy.check_feature(clerk, tenant, "assistant", data_level=AccessLevel.INTERN)
    refused = policy.check_feature(clerk, tenant, "assistant", data_level=AccessLevel.VERTRAULICH)
    assert refused.code == "data_level" and "vertraulich" in refused.reason
    assert policy.check_feature(clerk, tenant, "assistant", backend="cloud").code == "backend"
    assert policy.check_feature(clerk, tenant, "assistant", backend="local")
    policy.update_policy(tenant, "assistant", officer, allowed=False)
    assert policy.check_feature(clerk, tenant, "assistant").code == "policy"
    with pytest.raises(PermissionError):
        policy.update_policy(tenant, "assistant", clerk, allowed=True)
    with pytest.raises(ValueError, match="Rolle"):
        policy.update_policy(tenant, "assistant", officer, allowed_roles=["chef"])


def test_citizen_chatbot_works_without_login_but_only_on_open_data(tenant, live):
    assert policy.check_feature(None, tenant, "citizen").code == "not_registered"
    live("citizen")
    assert policy.check_feature(None, tenant, "citizen")
    assert policy.check_feature(None, tenant, "citizen", data_level=AccessLevel.INTERN).code == (
        "data_level"
    )
    live("assistant")
    assert policy.check_feature(None, tenant, "assistant").code == "login"


def test_users_of_other_tenants_and_unknown_features_are_refused(tenant, other_tenant, live):
    live("assistant")
    stranger = make_user(other_tenant, "fremd", [Role.STAFF])
    pass_all_modules(stranger, other_tenant)
    assert policy.check_feature(stranger, tenant, "assistant").code == "tenant"
    assert policy.check_feature(stranger, other_tenant, "assistant").code == "not_registered"
    assert policy.check_feature(None, tenant, "gesichtserkennung").code == "unknown_feature"
