from django.contrib import admin
from django.utils.html import format_html_join

from aktenkundig.history.models import Conversation, Feedback, RetentionPolicy, Turn


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["tenant", "days"]


class TurnInline(admin.StackedInline):
    model = Turn
    extra = 0
    readonly_fields = ["question", "answer", "citations", "refused", "ai_generated", "model"]
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "tenant", "updated_at"]
    list_filter = ["tenant"]
    search_fields = ["title"]
    inlines = [TurnInline]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["question", "helpful", "reason_list", "tenant", "created_at"]
    list_filter = ["helpful", "tenant"]
    search_fields = ["turn__question", "turn__answer", "comment"]
    readonly_fields = ["question", "answer", "sources", "helpful", "reasons", "comment", "user"]
    fields = readonly_fields

    @admin.display(description="Frage")
    def question(self, feedback):
        return feedback.turn.question

    @admin.display(description="Antwort")
    def answer(self, feedback):
        return feedback.turn.answer

    @admin.display(description="Quellen")
    def sources(self, feedback):
        return format_html_join(
            "", "<p>[{}] {} – {}</p>",
            ((c.get("number"), c.get("title"), c.get("section") or "") for c in
             feedback.turn.citations),
        )

    @admin.display(description="Gründe")
    def reason_list(self, feedback):
        return ", ".join(feedback.reason_labels())
