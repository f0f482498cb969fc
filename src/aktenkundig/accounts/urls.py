from django.conf import settings
from django.urls import include, path

from aktenkundig.accounts import views

app_name = "accounts"
urlpatterns = [
    path("anmelden/", views.LoginView.as_view(), name="login"),
    path("abmelden/", views.LogoutView.as_view(), name="logout"),
    path("", views.profile, name="profile"),
    path("schluessel/<int:token_id>/widerrufen/", views.revoke_token, name="revoke_token"),
]
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
