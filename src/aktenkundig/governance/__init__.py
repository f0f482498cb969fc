"""KI-Governance: AI register, AI Act risk classification, tamper-evident audit log,
human oversight, AI literacy (KI-Führerschein) and the KI-Richtlinie.

Other apps use these entry points (see each module's docstring):

* ``governance.policy.check_feature(user_or_none, tenant, feature, *, data_level=None,
  backend=None) -> Decision`` before any AI call; ``require_feature`` /
  ``ensure_feature`` for views and API endpoints;
* ``governance.audit.log_ai_interaction(...)`` after every AI call and
  ``governance.audit.log_human_action(...)`` for what people did with AI output;
* ``governance.oversight.propose(...)`` / ``decide(...)`` for AI suggestions a
  person decides on (routing, form extraction);
* ``governance.cases.export_case(tenant, case_ref)`` for Art. 86 explanations.
"""
