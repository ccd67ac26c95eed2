from django.urls import URLPattern, URLResolver, path

from sanfu.suggestions import views

app_name = "suggestions"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="list"),
    path("new/", views.new, name="new"),
    path("follow/", views.follow, name="follow"),
    path("manage/", views.manage, name="manage"),
    path("adopted/", views.adopted, name="adopted"),
    path("adopted.xlsx", views.adopted_xlsx, name="adopted_xlsx"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/decide/", views.decide, name="decide"),
]
