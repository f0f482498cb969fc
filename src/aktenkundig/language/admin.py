from django.contrib import admin

from aktenkundig.language.models import DraftTemplate, GlossaryTerm, MemoryEntry, Translation


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "tenant", "keep"]
    list_filter = ["tenant", "keep"]
    search_fields = ["term", "explanation"]


@admin.register(MemoryEntry)
class MemoryEntryAdmin(admin.ModelAdmin):
    list_display = ["source", "target_lang", "tenant", "approved", "updated"]
    list_filter = ["tenant", "target_lang", "approved"]
    search_fields = ["source", "target"]


@admin.register(Translation)
class TranslationAdmin(admin.ModelAdmin):
    """Read-only: publication happens on the review page, after every segment was
    approved by a person, never by editing the record here."""

    list_display = ["title", "tenant", "target_lang", "status", "created"]
    list_filter = ["tenant", "status", "target_lang"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DraftTemplate)
class DraftTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "tenant", "updated"]
    list_filter = ["tenant", "kind"]
