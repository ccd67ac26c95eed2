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
