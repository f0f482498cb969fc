"""WebSocket routes of live subtitles (mounted by aktenkundig.asgi)."""

from django.urls import path

from aktenkundig.speech import consumers

websocket_urlpatterns = [
    path("ws/speech/live/<int:session_id>/ingest", consumers.IngestConsumer.as_asgi()),
    path("ws/speech/live/<int:session_id>/correct", consumers.CorrectConsumer.as_asgi()),
    path("ws/speech/live/<str:token>/audience", consumers.AudienceConsumer.as_asgi()),
]
