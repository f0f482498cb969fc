"""Background tasks of the search app (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="embeddings")
def embed_pending_task(tenant_id: int | None = None) -> int:
    """Compute the vectors that are missing (run by ``aktenkundig worker``)."""
    from aktenkundig.core.models import Tenant
    from aktenkundig.search.services import embed_pending

    tenant = Tenant.objects.get(pk=tenant_id) if tenant_id is not None else None
    return embed_pending(tenant=tenant)
