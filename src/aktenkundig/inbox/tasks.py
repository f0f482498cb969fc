"""Background work of the Posteingang (django-tasks). Queue them from a systemd timer or
cron, e.g. ``aktenkundig inbox retrain --enqueue`` nightly and ``aktenkundig inbox
deliver`` every few minutes; ``aktenkundig inbox watch`` is the long-running
alternative for the hot folder."""

from __future__ import annotations

import contextlib

from django_tasks import task


@task()
def retrain_task(tenant_id: int) -> int | None:
    """Retrain one tenant's model from its confirmed items (never across tenants).
    Returns the new version, or None when there is too little to train on."""
    from aktenkundig.core.models import Tenant
    from aktenkundig.inbox import services

    tenant = Tenant.objects.get(pk=tenant_id)
    with contextlib.suppress(services.InboxError):  # too few typed items: types wait
        services.train_types_from_confirmed(tenant)
    try:
        return services.train_from_confirmed(tenant).version
    except services.InboxError:
        return None


@task()
def deliver_task() -> int:
    from aktenkundig.inbox.delivery import retry_due

    return retry_due()


@task()
def hot_folder_task(tenant_id: int, directory: str, archive: str = "") -> int:
    """One pass over a hot folder (files need two passes to count as settled: queue it
    at an interval)."""
    from aktenkundig.core.models import Tenant
    from aktenkundig.inbox.consumers.folder import FolderConsumer

    consumer = FolderConsumer(Tenant.objects.get(pk=tenant_id), directory,
                              archive=archive or None, settle_seconds=5)
    # the task is short-lived: take a first look, wait, and take what stayed unchanged
    import time

    consumer.scan()
    time.sleep(consumer.settle_seconds)
    return len(consumer.scan())


@task()
def escalate_task(tenant_id: int, hours: int = 48) -> int:
    from aktenkundig.core.models import Tenant
    from aktenkundig.inbox import services

    return services.escalate(Tenant.objects.get(pk=tenant_id), hours=hours)
