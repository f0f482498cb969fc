from django.urls import path

from aktenkundig.citizen import views

app_name = "citizen"
urlpatterns = [
    path("embed.js", views.embed_js, name="embed_js"),
    path("mitarbeitende/anfragen/", views.staff_handovers, name="staff_handovers"),
    path("mitarbeitende/anfragen/<int:pk>/", views.staff_handover_detail, name="staff_handover"),
    path("mitarbeitende/statistik/", views.staff_analytics, name="staff_analytics"),
    path("mitarbeitende/wissensluecken/", views.staff_gaps, name="staff_gaps"),
    path("<slug:tenant>/", views.chat, name="chat"),
    path("<slug:tenant>/weiterleiten/", views.handover, name="handover"),
    path("<slug:tenant>/rueckmeldung/", views.feedback, name="feedback"),
    path("<slug:tenant>/verlauf/", views.refresh, name="refresh"),
    path(
        "<slug:tenant>/dokumente/<int:document_id>/",
        views.public_document,
        name="document",
    ),
]
