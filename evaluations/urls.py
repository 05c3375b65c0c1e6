"""URLs of the evaluations app: ratings, rectifications, consultations and complaints; supervision and disclosure."""

from django.urls import path

from evaluations.views import feedback, supervision

app_name = "evaluations"

urlpatterns = [
    path("supervision/sharing/", supervision.sharing_log, name="sharing_log"),
    # feedback
    path("cases/<int:pk>/rate/", feedback.rate, name="rate"),
    path("rectifications/<int:pk>/", feedback.rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/rate-fix/", feedback.rectification_rate_fix, name="rectification_rate_fix"),
    path("rectifications/<int:pk>/<str:action>/", feedback.rectification_step, name="rectification_step"),
    path("ask/", feedback.ask, name="ask"),
    path("ask/mine/", feedback.inquiry_list, name="inquiry_list"),
    path("ask/<int:pk>/", feedback.inquiry_detail, name="inquiry_detail"),
    # supervision
    path("supervision/", supervision.overview, name="overview"),
    path("supervision/performance/", supervision.performance, name="performance"),
    path("supervision/lookup/", supervision.lookup, name="lookup"),
    path("disclosure/", supervision.disclosure, name="disclosure"),
]
