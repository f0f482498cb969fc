from django.contrib import admin

from aktenkundig.privacy.models import CustomPattern, PrivacyEvent, PrivacyPolicy


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(admin.ModelAdmin):
    list_display = ["tenant", "mode"]


@admin.register(CustomPattern)
class CustomPatternAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "entity_type", "regex", "active"]
    list_filter = ["tenant", "active"]


@admin.register(PrivacyEvent)
class PrivacyEventAdmin(admin.ModelAdmin):
    """Read-only: the event log is evidence, not a work list."""

    list_display = ["created_at", "tenant", "kind", "user", "scope", "backend"]
    list_filter = ["tenant", "kind"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
