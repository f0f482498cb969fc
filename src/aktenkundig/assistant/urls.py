from django.urls import path

from aktenkundig.assistant import views

app_name = "assistant"
urlpatterns = [
    path("", views.ask, name="ask"),
    path("stream/", views.stream, name="stream"),
]
