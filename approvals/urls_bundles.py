"""URLs of bundles (一件事一次办)."""

from django.urls import path

from approvals import bundle_views

urlpatterns = [
    path("bundles/", bundle_views.bundle_list, name="bundle_list"),
    path("bundles/applications/<int:pk>/", bundle_views.bundle_application, name="bundle_application"),
    path("bundles/<slug:slug>/", bundle_views.bundle_detail, name="bundle_detail"),
    path("bundles/<slug:slug>/apply/", bundle_views.bundle_apply, name="bundle_apply"),
]
