"""URLs of the supervision dashboard and the public disclosure page."""

from django.urls import path

from evaluations import supervision_views

urlpatterns = [
    path("supervision/", supervision_views.overview, name="overview"),
    path("supervision/performance/", supervision_views.performance, name="performance"),
    path("supervision/lookup/", supervision_views.lookup, name="lookup"),
    path("disclosure/", supervision_views.disclosure, name="disclosure"),
]
