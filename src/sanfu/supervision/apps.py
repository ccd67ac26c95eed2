from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class SupervisionConfig(AppConfig):
    """督办: the supervision ledger — items, indicators, progress, reminders, close-out, bulletins."""

    name = "sanfu.supervision"
    label = "supervision"
    verbose_name = _("督办")
    navigation = (NavItem(Section.OPERATIONS, _("督办台账"), "supervision:ledger", order=70),)

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from sanfu.api import site
        from sanfu.core import agenda
        from sanfu.core import todos as inbox
        from sanfu.org.models import CalendarDay
        from sanfu.supervision import selectors, snapshots, todos
        from sanfu.supervision.api import router
        from sanfu.supervision.flows import SUBJECT_PREFIX
        from sanfu.supervision.services import OPEN_ITEM_KIND, receive_open_item
        from sanfu.supervision.subjects import item_pages
        from sanfu.workflow import outbox, subjects

        outbox.register(OPEN_ITEM_KIND, receive_open_item)
        subjects.register(prefix=SUBJECT_PREFIX, pages=item_pages, label=_("到督办事项页面办理"))
        site.include("/supervision", router)
        inbox.register(todos.source())
        agenda.provide("supervision", selectors.agenda_items)  # 我的日程: progress reports due, deadlines
        # a change of the working calendar moves effective deadlines: every status snapshot is stale
        post_save.connect(snapshots.invalidate_all, sender=CalendarDay, dispatch_uid="supervision-calendar-save")
        post_delete.connect(snapshots.invalidate_all, sender=CalendarDay, dispatch_uid="supervision-calendar-delete")
