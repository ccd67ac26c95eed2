from sanfu.approvals import views_catalogue, views_designer, views_inbox, views_instance, views_instance_actions

app_name = "approvals"

# Each view module owns its routes: the catalogue and submission, the inbox, the instance page and its actions.
urlpatterns = [
    *views_catalogue.urlpatterns,
    *views_inbox.urlpatterns,
    *views_instance.urlpatterns,
    *views_instance_actions.urlpatterns,
    *views_designer.urlpatterns,
]
