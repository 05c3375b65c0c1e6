from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("items/", views.catalogue, name="catalogue"),
    path("items/<str:code>/", views.item_detail, name="item_detail"),
    path("items/<str:code>/materials/<int:pk>/template/", views.material_template, name="material_template"),
    path("themes/", views.theme_list, name="theme_list"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme_detail"),
    path("departments/<str:code>/items/", views.department_items, name="department_items"),
    path("staff/", views.staff_desk, name="staff_desk"),
]
