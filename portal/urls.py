"""Root URLs: the shell's pages and each app's URLs under its prefix."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import two_factor, views

app_patterns = (
    [
        path("", views.home, name="home"),
        path("language/<str:code>/", views.language, name="language"),
        path("elder-mode/<str:state>/", views.elder_mode, name="elder_mode"),
        path("accounts/login/", views.LoginView.as_view(), name="login"),
        path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("accounts/2fa/", two_factor.two_factor_verify, name="two_factor_verify"),
        path("accounts/2fa/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
        path("accounts/2fa/recovery-codes/", two_factor.two_factor_recovery_codes, name="two_factor_recovery_codes"),
        path("accounts/register/", views.register, name="register"),
        path("accounts/register/verify/", views.register_verify, name="register_verify"),
        path("accounts/password-reset/", views.password_reset, name="password_reset"),
        path("accounts/password-reset/verify/", views.password_reset_verify, name="password_reset_verify"),
        path("accounts/profile/", views.profile, name="profile"),
        path("me/", views.me, name="me"),
        path("messages/", views.message_list, name="message_list"),
        path("messages/<int:pk>/", views.message_detail, name="message_detail"),
        path("messages/read-all/", views.message_read_all, name="message_read_all"),
        path("messages/settings/", views.message_preferences, name="message_preferences"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(app_patterns)),
    path("", include("departments.urls")),
    path("", include("approvals.urls")),
    path("", include("evaluations.urls")),
    path("api/", include("exchange.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = admin.site.site_title = "网上行政审批大厅 · 管理"
