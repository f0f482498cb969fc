"""Background work of the language services (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def translate_batch_task(batch_id: int) -> int:
    """Run (or continue) one batch translation; returns the pairs done."""
    from aktenkundig.language import batch
    from aktenkundig.language.models import TranslationBatch

    item = TranslationBatch.objects.select_related("tenant", "collection", "created_by").filter(
        pk=batch_id).first()
    return 0 if item is None else batch.run(item).done
