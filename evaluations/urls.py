from django.urls import path

from evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("supervision/", views.supervision_overview, name="overview"),
]
