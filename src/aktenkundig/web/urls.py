from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from aktenkundig.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("verwaltung/", views.overview, name="overview"),
    path("sprache/", set_language, name="set_language"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("aktenkundig/favicon.svg"))),
]
