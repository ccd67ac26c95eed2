from sanfu.approvals import views_catalogue, views_designer, views_inbox, views_instance

app_name = "approvals"

# Each view module owns its routes: the catalogue and submission, the inbox, the instance page.
urlpatterns = [
    *views_catalogue.urlpatterns,
    *views_inbox.urlpatterns,
    *views_instance.urlpatterns,
    *views_designer.urlpatterns,
]
