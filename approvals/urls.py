"""URLs of the approvals app: catalogue, cases, sharing, licences and bundles."""

from django.urls import path

from approvals.views import bundles, cases, catalogue, licences, sharing

app_name = "approvals"

urlpatterns = [
    path("items/", catalogue.catalogue, name="catalogue"),
    path("items/<str:code>/", catalogue.item_detail, name="item_detail"),
    path("items/<str:code>/apply/", cases.apply, name="apply"),
    path("items/<str:code>/materials/<int:pk>/template/", catalogue.material_template, name="material_template"),
    path("themes/", catalogue.theme_list, name="theme_list"),
    path("themes/<slug:slug>/", catalogue.theme_detail, name="theme_detail"),
    path("departments/<str:code>/items/", catalogue.department_items, name="department_items"),
    path("track/", cases.track, name="track"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/receipt/", cases.case_receipt, name="case_receipt"),
    path("cases/<int:pk>/supplement/", cases.case_supplement, name="case_supplement"),
    path("cases/<int:pk>/reveal/", cases.case_reveal, name="case_reveal"),
    path("cases/<int:pk>/assign/", cases.case_assign, name="case_assign"),
    path("cases/<int:pk>/records/", sharing.case_records, name="case_records"),
    path("cases/<int:pk>/records/<int:material_id>/", sharing.case_record_file, name="case_record_file"),
    path("cases/<int:pk>/do/<str:action>/", cases.case_action, name="case_action"),
    path("files/<int:pk>/", cases.case_material_file, name="case_file"),
    path("staff/", cases.staff_desk, name="staff_desk"),
    path("staff/receive/", cases.staff_receive, name="staff_receive"),
    path("me/licences/", licences.wallet_licences, name="wallet_licences"),
    path("me/materials/", licences.wallet_materials, name="wallet_materials"),
    path("licences/verify/", licences.licence_verify, name="licence_verify"),
    path("licences/<int:pk>/", licences.licence_detail, name="licence_detail"),
    path("staff/licences/", licences.staff_licences, name="staff_licences"),
    path("staff/licences/<int:pk>/revoke/", licences.licence_revoke, name="licence_revoke"),
    path("bundles/", bundles.bundle_list, name="bundle_list"),
    path("bundles/applications/<int:pk>/", bundles.bundle_application, name="bundle_application"),
    path("bundles/<slug:slug>/", bundles.bundle_detail, name="bundle_detail"),
    path("bundles/<slug:slug>/apply/", bundles.bundle_apply, name="bundle_apply"),
]
