"""REST endpoints of the accounts app (mounted under /api/ by aktenkundig.api)."""

from ninja import Router

router = Router(tags=["accounts"])
