from django.urls import path

from aktenkundig.speech import live_views, views

app_name = "speech"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/untertitel.<str:fmt>", views.download, name="download"),
    path("<int:pk>/bearbeiten/", views.editor, name="editor"),
    path("<int:pk>/bearbeiten/<int:index>/", views.cue, name="cue"),
    path("<int:pk>/bearbeiten/verwerfen/", views.reset, name="reset"),
    path("<int:pk>/aufnahme/", views.media, name="media"),
    path("<int:pk>/aufnahme/loeschen/", views.delete_media, name="delete_media"),
    path("<int:pk>/vorschau.vtt", views.track, name="track"),
    path("<int:pk>/niederschrift/", views.minutes, name="minutes"),
    path("<int:pk>/niederschrift.txt", views.minutes_download, name="minutes_download"),
    path("live/", live_views.index, name="live_index"),
    path("live/<int:pk>/", live_views.console, name="live_console"),
    path("live/<int:pk>/beenden/", live_views.end, name="live_end"),
    path("live/<int:pk>/untertitel.<str:fmt>", live_views.download, name="live_download"),
    path("live/<int:pk>/niederschrift/", live_views.minutes, name="live_minutes"),
    path("live/<int:pk>/niederschrift.txt", live_views.minutes_download,
         name="live_minutes_download"),
    path("mitlesen/<str:token>/", live_views.audience, name="live_audience"),
]
