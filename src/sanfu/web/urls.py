from django.urls import path

from sanfu.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
]
