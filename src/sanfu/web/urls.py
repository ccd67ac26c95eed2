from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from sanfu.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("cockpit/", views.cockpit, name="cockpit"),
    # Browsers ask for /favicon.ico on every site, signed in or not.
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=static("sanfu/favicon.svg"), permanent=True)),
        name="favicon",
    ),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
]
