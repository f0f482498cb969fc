"""REST endpoints of the assistant app (mounted under /api/ by aktenkundig.api)."""

from ninja import Router

router = Router(tags=["assistant"])
