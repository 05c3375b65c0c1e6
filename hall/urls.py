"""URLs of the citizen shell, in the ``portal`` namespace so that ``{% url 'portal:login' %}`` keeps working."""

from django.contrib.auth import views as auth_views
from django.urls import path

from hall import two_factor, views

app_name = "portal"

urlpatterns = [
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
]
