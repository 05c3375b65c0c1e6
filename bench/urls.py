"""The portal's URLs plus the baselines, used as ROOT_URLCONF only in benchmark mode."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/b0/", views.b0, name="bench_b0"),
    path("bench/b1/", views.b1, name="bench_b1"),
    path("", include("portal.urls")),
]
