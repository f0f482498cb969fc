from django.contrib import admin

from aktenkundig.core.models import Collection, Tenant


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact"]
    search_fields = ["name", "slug"]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "access_level", "is_public"]
    list_filter = ["tenant", "access_level", "is_public"]
    search_fields = ["name"]
