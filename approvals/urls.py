from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("staff/", views.staff_desk, name="staff_desk"),
]
