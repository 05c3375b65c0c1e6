"""URLs of licences: wallet, material library, printable licence, verification, revocation."""

from django.urls import path

from approvals import licence_views

urlpatterns = [
    path("me/licences/", licence_views.wallet_licences, name="wallet_licences"),
    path("me/materials/", licence_views.wallet_materials, name="wallet_materials"),
    path("licences/verify/", licence_views.licence_verify, name="licence_verify"),
    path("licences/<int:pk>/", licence_views.licence_detail, name="licence_detail"),
    path("staff/licences/", licence_views.staff_licences, name="staff_licences"),
    path("staff/licences/<int:pk>/revoke/", licence_views.licence_revoke, name="licence_revoke"),
]
