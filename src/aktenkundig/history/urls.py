from django.urls import path

from aktenkundig.history import views

app_name = "history"
urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("<int:conversation_id>/", views.conversation_detail, name="detail"),
    path("<int:conversation_id>/loeschen/", views.conversation_delete, name="delete"),
    path("antwort/<int:turn_id>/rueckmeldung/", views.feedback, name="feedback"),
    path("rueckmeldungen/", views.feedback_list, name="feedback_list"),
]
