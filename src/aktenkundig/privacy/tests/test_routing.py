"""Routing by data classification and the central gate."""

from __future__ import annotations

import pytest

from aktenkundig.accounts.models import Role
from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.privacy.models import PrivacyEvent, PrivacyEventKind, PrivacyMode, PrivacyPolicy
from aktenkundig.privacy.routing import Backend, RoutingRefused, configured_backends, route
from aktenkundig.privacy.services import protect, reveal

CLOUD = Backend("cloud", "https://api.example.com/v1", max_level=AccessLevel.OFFEN)
ONPREM = Backend(
    "vllm", "http://llm.intern:8000/v1", max_level=AccessLevel.VERTRAULICH, on_prem=True
)


def test_route_picks_first_allowed_backend():
    assert route(AccessLevel.OFFEN, [CLOUD, ONPREM]) == CLOUD
    assert route(AccessLevel.VERTRAULICH, [CLOUD, ONPREM]) == ONPREM


def test_vertraulich_is_refused_on_offen_only_backend():
    with pytest.raises(RoutingRefused, match=r"Schutzstufe „vertraulich“.*cloud \(bis offen\)"):
        route(AccessLevel.VERTRAULICH, [CLOUD])
    with pytest.raises(RoutingRefused, match="VS-NfD"):
        route(AccessLevel.VS_NFD, [CLOUD, ONPREM])
    with pytest.raises(RoutingRefused, match="kein Sprachmodell"):
        route(AccessLevel.OFFEN, [])


def test_configured_backend_from_environment(monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", "https://api.example.com/v1")
    monkeypatch.setenv("AKTENKUNDIG_LLM_MAX_LEVEL", "offen")
    (backend,) = configured_backends()
    assert backend.max_level == AccessLevel.OFFEN and not backend.on_prem
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", "")
    assert configured_backends() == []


@pytest.mark.django_db
def test_gate_refuses_and_logs_without_sending():
    tenant = Tenant.objects.create(slug="t", name="T")
    with pytest.raises(RoutingRefused):
        protect(
            [{"role": "user", "content": "Herr Müller"}],
            tenant=tenant,
            scope="c:1",
            data_level=AccessLevel.VERTRAULICH,
            backends=[CLOUD],
        )
    assert PrivacyEvent.objects.get().kind == PrivacyEventKind.ROUTING_REFUSED


@pytest.mark.django_db
def test_gate_pseudonymises_and_reveals(django_user_model):
    from aktenkundig.accounts.services import add_member

    tenant = Tenant.objects.create(slug="t", name="T")
    user = django_user_model.objects.create_user(username="s", password="x" * 12)
    add_member(user, tenant, [Role.STAFF])
    prepared = protect(
        [
            {"role": "system", "content": "Antworte knapp."},
            {
                "role": "user",
                "content": "Was schrieb Frau Erika Mustermann, IBAN DE89 3704 0044 0532 0130 00?",
            },
        ],
        tenant=tenant,
        scope="c:1",
        data_level=AccessLevel.INTERN,
        backends=[CLOUD, ONPREM],
    )
    assert prepared.backend == ONPREM
    assert prepared.messages[1]["content"] == "Was schrieb Frau [PERSON_1], IBAN [IBAN_1]?"
    assert prepared.messages[0] == {"role": "system", "content": "Antworte knapp."}
    assert (
        reveal("[PERSON_1] bat um Erstattung.", prepared, user)
        == "Erika Mustermann bat um Erstattung."
    )
    assert reveal("[PERSON_1]", prepared, None) == "[PERSON_1]"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "backend", "expected"),
    [
        (AccessLevel.OFFEN, ONPREM, "Herr Müller"),  # off is honoured
        (AccessLevel.INTERN, ONPREM, "Herr [PERSON_1]"),  # not for intern data
        (AccessLevel.OFFEN, CLOUD, "Herr [PERSON_1]"),  # not for a cloud backend
    ],
)
def test_mode_off_only_for_offen_data_on_prem(level, backend, expected):
    tenant = Tenant.objects.create(slug="t", name="T")
    PrivacyPolicy.objects.create(tenant=tenant, mode=PrivacyMode.OFF)
    prepared = protect(
        [{"role": "user", "content": "Herr Müller"}],
        tenant=tenant,
        scope="c",
        data_level=level,
        backends=[backend],
    )
    assert prepared.messages[0]["content"] == expected
