from django.urls import path

from aktenkundig.inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.item_view, name="item"),
    path("<int:pk>/original/", views.original, name="original"),
    path("bestaetigen/", views.confirm_batch, name="confirm_batch"),
    path("neu-trainieren/", views.retrain, name="retrain"),
    path("organisation/", views.organisation, name="organisation"),
]
