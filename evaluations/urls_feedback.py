"""URLs of ratings, rectifications, consultations and complaints."""

from django.urls import path

from evaluations import feedback_views

urlpatterns = [
    path("cases/<int:pk>/rate/", feedback_views.rate, name="rate"),
    path("rectifications/<int:pk>/", feedback_views.rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/rate-fix/", feedback_views.rectification_rate_fix, name="rectification_rate_fix"),
    path("rectifications/<int:pk>/<str:action>/", feedback_views.rectification_step, name="rectification_step"),
    path("ask/", feedback_views.ask, name="ask"),
    path("ask/mine/", feedback_views.inquiry_list, name="inquiry_list"),
    path("ask/<int:pk>/", feedback_views.inquiry_detail, name="inquiry_detail"),
]
