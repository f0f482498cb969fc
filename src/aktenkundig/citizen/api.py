"""REST endpoints of the citizen app (mounted under /api/ by aktenkundig.api)."""

from ninja import Router

router = Router(tags=["citizen"])
