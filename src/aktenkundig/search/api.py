"""REST endpoints of the search app (mounted under /api/ by aktenkundig.api)."""

from ninja import Router

router = Router(tags=["search"])
