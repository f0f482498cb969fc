"""URL map. Each app contributes its own ``urls`` module and API router."""

from django.contrib import admin
from django.urls import include, path

from aktenkundig.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("konto/", include("aktenkundig.accounts.urls")),
    path("dokumente/", include("aktenkundig.documents.urls")),
    path("suche/", include("aktenkundig.search.urls")),
    path("assistent/", include("aktenkundig.assistant.urls")),
    path("verlauf/", include("aktenkundig.history.urls")),
    path("posteingang/", include("aktenkundig.inbox.urls")),
    path("datenschutz/", include("aktenkundig.privacy.urls")),
    path("governance/", include("aktenkundig.governance.urls")),
    path("buerger/", include("aktenkundig.citizen.urls")),
    path("sprachdienste/", include("aktenkundig.language.urls")),
    path("formulare/", include("aktenkundig.forms.urls")),
    path("untertitel/", include("aktenkundig.speech.urls")),
    path("", include("aktenkundig.web.urls")),
]

handler400 = "aktenkundig.web.views.bad_request"
handler403 = "aktenkundig.web.views.permission_denied"
handler404 = "aktenkundig.web.views.page_not_found"
handler500 = "aktenkundig.web.views.server_error"
