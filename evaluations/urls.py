from django.urls import path

from evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("supervision/", views.supervision_overview, name="overview"),
    path("supervision/sharing/", views.sharing_log, name="sharing_log"),
]
