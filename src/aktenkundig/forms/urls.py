from django.urls import path

from aktenkundig.forms import views

app_name = "forms"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.review, name="review"),
    path("<int:pk>/uebernehmen/", views.commit, name="commit"),
    path("<int:pk>/seite/<int:page>.png", views.page_image, name="page"),
    path("<int:pk>/formular.pdf", views.filled, name="filled"),
    path("typ/<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("typ/neu/", views.add_type, name="add_type"),
    path("typ/<int:pk>/", views.form_type, name="type"),
]
