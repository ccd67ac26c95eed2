from django.urls import URLPattern, URLResolver, path

from sanfu.hardship import views

app_name = "hardship"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="list"),
    path("new/", views.new, name="new"),
    path("payments/", views.payments, name="payments"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/pay/", views.pay, name="pay"),
    path("<int:pk>/files/<int:file_id>/", views.attachment_file, name="file"),
]
