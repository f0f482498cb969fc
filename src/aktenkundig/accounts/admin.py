from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from aktenkundig.accounts.models import ApiToken, CollectionUnit, Membership


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = False
    fields = ["tenant", "unit", "roles", "clearance"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class MemberUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "is_active", "is_staff", "tenant"]
    list_filter = ["is_active", "is_staff", "membership__tenant"]

    @admin.display(description="Mandant")
    def tenant(self, user):
        membership = getattr(user, "membership", None)
        return membership.tenant if membership else "–"


@admin.register(CollectionUnit)
class CollectionUnitAdmin(admin.ModelAdmin):
    list_display = ["collection", "unit"]
    list_filter = ["collection__tenant"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at"]

    def has_add_permission(self, request):
        # Tokens are created by their owner, who alone sees the plain value once.
        return False
