from django.urls import path

from evaluations import urls_feedback, urls_supervision, views

app_name = "evaluations"

urlpatterns = [
    path("supervision/sharing/", views.sharing_log, name="sharing_log"),
    *urls_feedback.urlpatterns,
    *urls_supervision.urlpatterns,
]
