from django.urls import path

from approvals import case_views, urls_bundles, urls_licences, views

app_name = "approvals"

urlpatterns = [
    path("items/", views.catalogue, name="catalogue"),
    path("items/<str:code>/", views.item_detail, name="item_detail"),
    path("items/<str:code>/apply/", case_views.apply, name="apply"),
    path("items/<str:code>/materials/<int:pk>/template/", views.material_template, name="material_template"),
    path("themes/", views.theme_list, name="theme_list"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme_detail"),
    path("departments/<str:code>/items/", views.department_items, name="department_items"),
    path("track/", case_views.track, name="track"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/receipt/", case_views.case_receipt, name="case_receipt"),
    path("cases/<int:pk>/supplement/", case_views.case_supplement, name="case_supplement"),
    path("cases/<int:pk>/reveal/", case_views.case_reveal, name="case_reveal"),
    path("cases/<int:pk>/assign/", case_views.case_assign, name="case_assign"),
    path("cases/<int:pk>/records/", case_views.case_records, name="case_records"),
    path("cases/<int:pk>/records/<int:material_id>/", case_views.case_record_file, name="case_record_file"),
    path("cases/<int:pk>/do/<str:action>/", case_views.case_action, name="case_action"),
    path("files/<int:pk>/", case_views.case_material_file, name="case_file"),
    path("staff/", case_views.staff_desk, name="staff_desk"),
    path("staff/receive/", case_views.staff_receive, name="staff_receive"),
    *urls_licences.urlpatterns,
    *urls_bundles.urlpatterns,
]
