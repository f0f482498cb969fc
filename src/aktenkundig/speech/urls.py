from django.urls import path

from aktenkundig.speech import views

app_name = "speech"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/untertitel.<str:fmt>", views.download, name="download"),
]
