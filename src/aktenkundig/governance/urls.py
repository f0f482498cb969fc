from django.urls import path

from aktenkundig.governance import views

app_name = "governance"
urlpatterns = [
    path("register/", views.manage_register, name="manage_register"),
    path("register/<int:pk>/", views.edit_entry, name="edit_entry"),
    path("register/<int:pk>/risiko/", views.risk_questionnaire, name="risk"),
    path("register/<int:pk>/<slug:action>/", views.entry_action, name="entry_action"),
    path("schalter/", views.switches, name="switches"),
    path("richtlinie/<slug:feature>/", views.edit_policy, name="edit_policy"),
    path("aufsicht/<int:pk>/", views.oversight_item, name="oversight_item"),
    path("zweitpruefung/", views.second_review_queue, name="second_review_queue"),
    path("zweitpruefung/<int:pk>/", views.second_review, name="second_review"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("protokoll/", views.audit_log, name="audit_log"),
    path("schulung/", views.training, name="training"),
    path("schulung/<slug:slug>/", views.training_module, name="training_module"),
    # public, no login: /governance/<tenant>/ki-register/
    path("<slug:tenant_slug>/ki-register/", views.public_register, name="public_register"),
    path("<slug:tenant_slug>/ki-register.json", views.public_export_json,
         name="public_export_json"),
    path("<slug:tenant_slug>/ki-register.csv", views.public_export_csv,
         name="public_export_csv"),
    path("<slug:tenant_slug>/ki-register/<slug:entry_slug>/", views.public_entry,
         name="public_entry"),
]
