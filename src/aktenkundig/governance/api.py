"""REST endpoints of the governance app (mounted under /api/ by aktenkundig.api)."""

from ninja import Router

router = Router(tags=["governance"])
