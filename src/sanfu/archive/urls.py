from django.urls import path

from sanfu.archive import views

app_name = "archive"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("catalogue.xlsx", views.catalogue_download, name="catalogue"),
    path("<int:record_id>/", views.record_page, name="record"),
    path("<int:record_id>/files/<int:file_id>/", views.file_download, name="file"),
    path("<int:record_id>/dossier.zip", views.dossier_download, name="dossier"),
]
