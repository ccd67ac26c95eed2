"""Every domain's demo data, in dependency order."""

from __future__ import annotations

from typing import Any, TextIO

from sanfu.demo.announcements import seed_announcements
from sanfu.demo.briefing import seed_briefing
from sanfu.demo.directory import seed_directory
from sanfu.demo.documents import seed_documents
from sanfu.demo.duty import seed_duty
from sanfu.demo.hardship import seed_hardship
from sanfu.demo.history import seed_history
from sanfu.demo.matters import seed_matters
from sanfu.demo.meetings import seed_finished_meeting, seed_meetings
from sanfu.demo.org import SignIn, seed_demo
from sanfu.demo.resources import seed_resources
from sanfu.demo.schedules import seed_schedules
from sanfu.demo.servicedesk import seed_servicedesk
from sanfu.demo.suggestions import seed_suggestions
from sanfu.demo.supervision import seed_supervision
from sanfu.demo.whatif import seed_whatif


def seed_all(*, history: int = 0, stdout: TextIO | Any = None) -> tuple[list[SignIn], int]:
    """Seed every domain in dependency order; returns the demo sign-ins and how many history requests were
    made. Idempotent: a second run adds nothing."""
    sign_ins = seed_demo(stdout=stdout)
    seed_directory(stdout=stdout)  # offices and desk phones for the 通讯录
    seed_matters(stdout=stdout, first_versions=bool(history))  # the history streamlines two of them
    seed_documents(stdout=stdout)
    seed_meetings(stdout=stdout)
    seed_schedules(stdout=stdout)  # after the meetings: one entry overlaps a notified meeting
    seed_supervision(stdout=stdout)
    seed_finished_meeting(stdout=stdout)  # its decisions go to the ledger seeded just before
    seed_announcements(stdout=stdout)
    seed_resources(stdout=stdout)  # 公务用车, 办公设备 and 办公用品
    seed_duty(stdout=stdout)  # the holiday rosters and this week's duty
    seed_servicedesk(stdout=stdout)  # 一站式服务: the catalogue, three months of requests, ratings, complaints
    seed_suggestions(stdout=stdout)  # 意见箱: fifteen suggestions over this year and last
    seed_hardship(stdout=stdout)  # 爱心基金: the committee and three applications
    seed_briefing(stdout=stdout)  # 服务领导决策: requests in every step, two briefs issued
    made = seed_history(count=history, stdout=stdout) if history else 0
    if history:
        seed_whatif(stdout=stdout)  # 草稿推演: a draft from the advice, replayed over the history's last months
    return sign_ins, made
