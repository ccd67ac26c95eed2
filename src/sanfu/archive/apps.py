from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "sanfu.archive"
    label = "archive"
    verbose_name = _("电子档案")
