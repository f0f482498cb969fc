from django.urls import path

from aktenkundig.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.library, name="library"),
    path("tabelle/", views.library_rows, name="library_rows"),
    path("hochladen/", views.upload, name="upload"),
    path("<int:document_id>/", views.detail, name="detail"),
    path("<int:document_id>/original/", views.download, name="download"),
    path("<int:document_id>/loeschen/", views.delete, name="delete"),
    path("<int:document_id>/neu-einlesen/", views.reindex, name="reindex"),
    path("<int:document_id>/freigeben/", views.release, name="release"),
    path("sammlungen/neu/", views.collection_edit, name="collection_create"),
    path("sammlungen/<int:collection_id>/", views.collection_edit, name="collection_edit"),
]
