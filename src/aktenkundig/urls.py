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
    path("datenschutz/", include("aktenkundig.privacy.urls")),
    path("governance/", include("aktenkundig.governance.urls")),
    path("buerger/", include("aktenkundig.citizen.urls")),
    path("", include("aktenkundig.web.urls")),
]
