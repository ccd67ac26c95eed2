from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "sanfu.api"
    label = "api"
    verbose_name = _("数据接口")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sanfu.api import site, webhooks_api
        from sanfu.api.me import router

        site.include("/me", router)
        site.include("/webhooks", webhooks_api.router)
