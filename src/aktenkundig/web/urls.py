from django.urls import path
from django.views.i18n import set_language

from aktenkundig.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("verwaltung/", views.overview, name="overview"),
    path("sprache/", set_language, name="set_language"),
]
