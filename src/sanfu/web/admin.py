"""Admin pages of models that belong to no domain app's admin: the core's group-robot channels."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from sanfu.core.admin import AuditedAdmin
from sanfu.core.models import RobotChannel


@admin.register(RobotChannel)
class RobotChannelAdmin(AuditedAdmin):
    """The system administrator's one say over a person's group robot: allowing an address inside the
    company network (an on-premises gateway), or pausing it. The address and secret stay the person's and are
    not shown (the address carries the robot's key)."""

    list_display = ("user", "kind", "name", "enabled", "allow_private", "last_sent_at", "failures")
    list_filter = ("kind", "enabled", "allow_private")
    fields = ("user", "kind", "name", "notice_groups", "enabled", "allow_private", "last_sent_at", "last_error")
    readonly_fields = ("user", "kind", "name", "notice_groups", "last_sent_at", "last_error")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a channel is the person's own, added on their settings page
