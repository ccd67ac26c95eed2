from django.urls import path

from sanfu.org import views

app_name = "org"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("people/search/", views.people_search, name="people_search"),
    path("people/<int:user_id>/", views.person, name="person"),
    path("people/<int:user_id>/vcard.vcf", views.person_vcard, name="person_vcard"),
    path("directory.<str:fmt>", views.directory_export, name="directory_export"),
    path("leaders/", views.leaders, name="leaders"),
    path("calendar/", views.working_calendar, name="calendar"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:delegation_id>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("import/", views.org_import, name="import"),
    path("import/template/<str:kind>.csv", views.org_import_template, name="import_template"),
    path("import/export.xlsx", views.org_export, name="export"),
]
