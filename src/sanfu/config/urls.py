from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from sanfu.api import site as api_site

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("sanfu.web.urls")),
    path("accounts/", include("sanfu.accounts.urls")),
    path("org/", include("sanfu.org.urls")),
    path("approvals/", include("sanfu.approvals.urls")),
    path("archive/", include("sanfu.archive.urls")),
    path("documents/", include("sanfu.documents.urls")),
    path("meetings/", include("sanfu.meetings.urls")),
    path("supervision/", include("sanfu.supervision.urls")),
    path("announcements/", include("sanfu.announcements.urls")),
    path("schedules/", include("sanfu.schedules.urls")),
    path("duty/", include("sanfu.duty.urls")),
    path("resources/", include("sanfu.resources.urls")),
    path("service/", include("sanfu.servicedesk.urls")),
    path("suggestions/", include("sanfu.suggestions.urls")),
    path("hardship/", include("sanfu.hardship.urls")),
    path("insights/", include("sanfu.insights.urls")),
    path("briefing/", include("sanfu.briefing.urls")),
    path("admin/", admin.site.urls),
    path("api/", api_site.urls()),
    path("tokens/", include("sanfu.api.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
