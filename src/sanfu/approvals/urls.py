from sanfu.approvals.views import catalogue, designer, inbox, instance, instance_actions, monitor

app_name = "approvals"

# Each view module owns its routes: the catalogue and submission, the inbox, the instance page and its actions.
urlpatterns = [
    *catalogue.urlpatterns,
    *inbox.urlpatterns,
    *instance.urlpatterns,
    *instance_actions.urlpatterns,
    *designer.urlpatterns,
    *monitor.urlpatterns,
]
