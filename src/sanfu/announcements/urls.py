from django.urls import URLPattern, URLResolver, path

from sanfu.announcements import views

app_name = "announcements"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="list"),
    path("new/", views.compose, name="new"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.compose, name="edit"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/files/<int:file_id>/", views.attachment_file, name="file"),
    path("<int:pk>/files/<int:file_id>/remove/", views.attachment_remove, name="file_remove"),
]
