"""The REST API (django-ninja), OpenAPI docs at /api/docs. Each app adds a router."""

from django.db import DataError
from ninja import NinjaAPI, Swagger

from aktenkundig import __version__
from aktenkundig.accounts.api import router as accounts_router
from aktenkundig.assistant.api import router as assistant_router
from aktenkundig.citizen.api import router as citizen_router
from aktenkundig.documents.api import router as documents_router
from aktenkundig.forms.api import router as forms_router
from aktenkundig.governance.api import router as governance_router
from aktenkundig.inbox.api import router as inbox_router
from aktenkundig.language.api import router as language_router
from aktenkundig.privacy.api import router as privacy_router
from aktenkundig.search.api import router as search_router
from aktenkundig.speech.api import router as speech_router


class _ApiDocs(Swagger):
    """Swagger UI from the bundled files (no CDN), in a page that declares its language
    and meets AA contrast (web/api_docs.html)."""

    template = "web/api_docs.html"


api = NinjaAPI(title="aktenkundig API", version=__version__, urls_namespace="api",
               docs=_ApiDocs(settings={"deepLinking": False}))


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def out_of_range(request, exc):
    """A number the database cannot hold is invalid input (issue #10, 7): 422."""
    return api.create_response(
        request, {"detail": "Ein Wert liegt außerhalb des zulässigen Bereichs."}, status=422
    )


api.add_router("/accounts/", accounts_router)
api.add_router("/assistant/", assistant_router)
api.add_router("/documents/", documents_router)
api.add_router("/search/", search_router)
api.add_router("/privacy/", privacy_router)
api.add_router("/governance/", governance_router)
api.add_router("/citizen/", citizen_router)
api.add_router("/language/", language_router)
api.add_router("/inbox/", inbox_router)
api.add_router("/forms/", forms_router)
api.add_router("/speech/", speech_router)
