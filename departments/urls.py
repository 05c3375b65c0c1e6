from django.urls import path

from departments import views

app_name = "departments"

urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/<str:code>/", views.department_detail, name="department_detail"),
]
