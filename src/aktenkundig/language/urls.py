from django.urls import path

from aktenkundig.language import views

app_name = "language"
urlpatterns = [
    path("", views.check, name="check"),
    path("glossar/", views.glossary, name="glossary"),
    path("entwurf/", views.draft, name="draft"),
    path("zusammenfassung/", views.summary, name="summary"),
    path("uebersetzen/", views.translate, name="translate"),
    path("uebersetzen/<int:pk>/", views.review, name="review"),
    path("uebersetzen/stapel/", views.batches, name="batches"),
    path("uebersetzen/stapel/<int:pk>/", views.batch, name="batch"),
    path("uebersetzen/stapel/<int:pk>/<str:target>.zip", views.batch_export,
         name="batch_export"),
    path("uebersetzen/<int:pk>/abschnitt/<int:position>/", views.approve, name="approve"),
    path("uebersetzen/<int:pk>/veroeffentlichen/", views.publish, name="publish"),
]
