"""REST endpoints of the documents app (mounted under /api/ by aktenkundig.api)."""

from ninja import Router

router = Router(tags=["documents"])
