"""Shared pytest set-up: reports which storage backend the run uses, and guards
every test against outbound network connections (aktenkundig.testing.egress)."""

from __future__ import annotations

pytest_plugins = [
    "aktenkundig.testing.egress",
    "aktenkundig.testing.llm_server",
    "aktenkundig.testing.accounts",
    "aktenkundig.testing.browser",
    "aktenkundig.testing.isolation",
    "aktenkundig.testing.samples",
]


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"aktenkundig storage backend: {engine}"
