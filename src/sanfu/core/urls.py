from django.urls import path

from sanfu.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
]
