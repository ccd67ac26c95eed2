from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "sanfu.workflow"
    label = "workflow"
    verbose_name = _("流程引擎")

    def ready(self) -> None:
        from sanfu.workflow import handover

        handover.register()  # 离职交接: live to-dos, definitions naming the person
