"""The ASGI protocol router: pages over HTTP, live subtitles over WebSockets.

HTTP goes to the WSGI application, run in a thread pool (a2wsgi): Django under
ASGI runs every synchronous view on one shared thread, and a streamed answer of
the assistant would hold up every other request of the process. WebSockets go
through Channels with the login session of the cookie (AuthMiddlewareStack) and
an origin check against ALLOWED_HOSTS, so that another site cannot open a staff
socket with a visitor's cookie. Separate from ``aktenkundig.asgi`` so that tests
can serve the same stack without the start-up model warm-up.
"""

from __future__ import annotations


def application_for(http_app, *, threads: int = 8):
    from a2wsgi import WSGIMiddleware
    from channels.auth import AuthMiddlewareStack
    from channels.routing import ProtocolTypeRouter, URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator

    from aktenkundig.speech.routing import websocket_urlpatterns

    return ProtocolTypeRouter({
        "http": WSGIMiddleware(http_app, workers=threads),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(
            websocket_urlpatterns))),
    })
