"""REST endpoints of the privacy app (mounted under /api/ by aktenkundig.api)."""

from ninja import Router

router = Router(tags=["privacy"])
