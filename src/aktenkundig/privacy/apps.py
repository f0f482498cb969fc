from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "aktenkundig.privacy"
    label = "privacy"

    def ready(self) -> None:
        # Every language-model call passes the privacy gate (routing re-check,
        # pseudonymisation, re-identification): see privacy/llm_hook.py.
        from aktenkundig.llm.gateway import register_hook
        from aktenkundig.privacy.llm_hook import HOOK

        register_hook(HOOK)
