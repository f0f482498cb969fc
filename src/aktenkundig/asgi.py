"""The ASGI application ``aktenkundig serve`` runs (see aktenkundig.routing).
``AKTENKUNDIG_HTTP_THREADS`` (set by ``serve --threads``) sizes the page threads."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")

from aktenkundig.routing import application_for
from aktenkundig.wsgi import application as wsgi_application

application = application_for(
    wsgi_application, threads=int(os.environ.get("AKTENKUNDIG_HTTP_THREADS", "8")))
