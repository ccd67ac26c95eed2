from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """督办: the supervision ledger — items, indicators, progress, reminders, close-out, bulletins."""

    name = "sanfu.supervision"
    label = "supervision"
    verbose_name = _("督办")
    navigation = ()
