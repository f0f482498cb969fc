from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "aktenkundig.governance"
    label = "governance"
