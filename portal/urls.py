"""Root URLs: the shell's pages and each app's URLs under its prefix."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("hall.urls")),
    path("", include("departments.urls")),
    path("", include("approvals.urls")),
    path("", include("evaluations.urls")),
    path("api/", include("exchange.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = admin.site.site_title = "网上行政审批大厅 · 管理"
