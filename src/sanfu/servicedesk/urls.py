from django.urls import URLPattern, URLResolver, path

from sanfu.servicedesk import views

app_name = "servicedesk"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.catalogue, name="catalogue"),
    path("public/<int:unit_id>/", views.public_catalogue, name="public"),
    path("services/new/", views.service_edit, name="service_new"),
    path("services/<int:pk>/", views.service_detail, name="service"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("mine/", views.my_requests, name="mine"),
    path("desk/", views.desk, name="desk"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/act/", views.request_act, name="request_act"),
    path("requests/<int:pk>/files/<int:file_id>/", views.request_file, name="request_file"),
    path("complaints/", views.complaints, name="complaints"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("figures/", views.figures_page, name="figures"),
    path("figures.xlsx", views.figures_xlsx, name="figures_xlsx"),
]
