"""REST endpoints of the web app (mounted under /api/ by aktenkundig.api)."""

from ninja import Router

router = Router(tags=["web"])
