from django.urls import path

from sanfu.api import views

app_name = "tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("revoke/", views.token_revoke_view, name="revoke"),
    path("webhooks/", views.subscription_list, name="webhooks"),
    path("webhooks/<int:subscription_id>/", views.subscription_detail, name="webhook"),
    path("webhooks/<int:subscription_id>/rotate/", views.subscription_rotate_view, name="webhook-rotate"),
    path("webhooks/<int:subscription_id>/enable/", views.subscription_enable_view, name="webhook-enable"),
    path("webhooks/<int:subscription_id>/delete/", views.subscription_delete_view, name="webhook-delete"),
    path("webhooks/deliveries/<int:delivery_id>/replay/", views.delivery_replay_view, name="webhook-replay"),
]
