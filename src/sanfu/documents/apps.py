from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class DocumentsConfig(AppConfig):
    name = "sanfu.documents"
    label = "documents"
    verbose_name = _("公文")
    navigation = (
        NavItem(Section.OPERATIONS, _("收文"), "documents:incoming_list", order=40),
        NavItem(Section.OPERATIONS, _("发文"), "documents:outgoing_list", order=50),
    )

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.documents import handover
        from sanfu.documents.api import router
        from sanfu.documents.flows import INCOMING_KEY, OUTGOING_KEY
        from sanfu.documents.minutes import DRAFT_MINUTES, DRAFT_REPORT, receive_minutes, receive_report
        from sanfu.documents.subjects import document_pages
        from sanfu.workflow import outbox, subjects

        subjects.register(prefix=INCOMING_KEY, pages=document_pages, label=_("到收文页面办理"))
        subjects.register(prefix=OUTGOING_KEY, pages=document_pages, label=_("到发文页面办理"))
        handover.register()  # 离职交接: drafts and registered documents not yet filed
        site.include("/documents", router)
        outbox.register(DRAFT_MINUTES, receive_minutes)  # 纪要 from 办会 become 发文 drafts
        outbox.register(DRAFT_REPORT, receive_report)  # 报告 from 服务领导决策 too
