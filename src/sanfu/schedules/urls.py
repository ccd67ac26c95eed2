from django.urls import URLPattern, URLResolver, path

from sanfu.schedules import views

app_name = "schedules"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.week, name="week"),
    path("sheet.pdf", views.week_pdf, name="sheet"),
    path("new/", views.edit, name="new"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("subscribe/<int:leader_id>/", views.subscribe, name="subscribe"),
    path("feed/<str:token>.ics", views.feed_ics, name="feed"),
    path("me/", views.agenda_page, name="agenda"),
    path("me/subscribe/", views.agenda_subscribe, name="agenda_subscribe"),
    path("me/feed/<str:token>.ics", views.agenda_feed, name="agenda_feed"),
]
