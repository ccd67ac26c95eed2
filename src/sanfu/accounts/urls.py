from django.contrib.auth import views as auth_views
from django.urls import path

from sanfu.accounts import views
from sanfu.accounts.directory import oidc

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    # Sign-in through the company's identity provider (the password form unless SANFU_OIDC_ISSUER is set).
    path("oidc/login/", oidc.sign_in, name="oidc_login"),
    path("oidc/callback/", oidc.callback, name="oidc_callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("manage/", views.manage, name="manage"),
    path("manage/handover/", views.handover_page, name="handover"),
    path("manage/<int:user_id>/toggle/", views.account_toggle, name="account_toggle"),
    path("manage/<int:user_id>/reset/", views.account_reset, name="account_reset"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:grant_id>/revoke/", views.role_revoke, name="role_revoke"),
    path("audit/", views.audit, name="audit"),
    path("audit/export.xlsx", views.audit_download, name="audit_export"),
]
