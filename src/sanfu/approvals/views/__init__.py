"""The 审批中心's pages: the catalogue and submission, the inbox, the instance page and its actions, the
designer. Each module owns its routes (``urlpatterns``), gathered in ``approvals/urls.py``."""
