"""The other domains' figures beside the efficiency review (``sanfu.insights.beside``): the shell, which alone
may read every domain, asks each owning domain for its own month's figures with the reader's rights — the same
calls as the 领导驾驶舱 (``web.cockpit``) — and hands them to the review. Each figure links to the owning
domain's page for that month."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import NotFoundError
from sanfu.insights.beside import Figure
from sanfu.meetings import figures as meeting_figures
from sanfu.servicedesk import figures as window_figures
from sanfu.servicedesk import selectors as window
from sanfu.supervision import bulletin as supervision_bulletin


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


def _month_url(name: str, year: int, month: int) -> str:
    return f"{reverse(name)}?month={year:04d}-{month:02d}"


def figures(actor: User, unit_id: int, year: int, month: int) -> list[Figure]:
    """The window's complaint rate and ratings (for readers of the whole window), 督办's on-time completion (as
    the reader sees the items) and meetings' no-show rate, for ``unit_id``'s month."""
    return [*_window(actor, unit_id, year, month), *_office(actor, unit_id, year, month)]


def _window(actor: User, unit_id: int, year: int, month: int) -> list[Figure]:
    try:
        services = window.figures_services(actor)
    except NotFoundError:
        return []
    if services is not None:  # a department head reads only their services: not the unit's figure
        return []
    total = window_figures.month_figures(unit_id=unit_id, year=year, month=month).total
    url, source = _month_url("servicedesk:figures", year, month), _("一站式服务")
    return [
        Figure(
            "complaint_rate",
            _("窗口投诉率"),
            total.complaint_rate,
            "%",
            _("投诉 %(c)d 件，受理 %(v)d 件") % {"c": total.complaints, "v": total.volume},
            url,
            source,
        ),
        Figure(
            "rating",
            _("窗口平均评分"),
            total.rating,
            _("分"),
            _("评价 %(n)d 条") % {"n": total.ratings},
            url,
            source,
        ),
    ]


def _office(actor: User, unit_id: int, year: int, month: int) -> list[Figure]:
    done = supervision_bulletin.bulletin(
        actor, year=year, month=month, unit_id=unit_id, today=timezone.localdate()
    ).total
    absent = meeting_figures.month_figures(unit_id=unit_id, year=year, month=month).total
    return [
        Figure(
            "supervision_on_time",
            _("督办按期完成率"),
            _number(done.completion_rate),
            "%",
            _("按期完成 %(n)d 项，本月到期 %(d)d 项") % {"n": done.on_time, "d": done.due},
            _month_url("supervision:bulletin", year, month),
            _("督办"),
        ),
        Figure(
            "no_show",
            _("会议缺席率"),
            absent.no_show_rate,
            "%",
            _("缺席 %(a)d 人次，应到 %(e)d 人次") % {"a": absent.absent, "e": absent.expected},
            _month_url("meetings:figures", year, month),
            _("办会"),
        ),
    ]
