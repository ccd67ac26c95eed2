from django.urls import path

from sanfu.api import views

app_name = "tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("revoke/", views.token_revoke_view, name="revoke"),
]
