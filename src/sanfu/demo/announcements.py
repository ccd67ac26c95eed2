"""Demo 通知公告 (``sanfu demo``): a dozen announcements of the main unit made through the services — unit-wide
notices (two pinned), a department's notices, a 公告 approved by the leader in charge and one waiting for him, a
文体活动 with sign-ups and its waiting list, a 征集 — with some people having read them. Idempotent: only on a
database where the main unit has no announcement yet."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.announcements import flows, services
from sanfu.announcements.models import Announcement, Kind, Recipient, Scope
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.org.models import Department

NOTICES: list[tuple[str, str, str, int]] = [
    # kind, title, body, days pinned (0: not pinned)
    (
        Kind.NOTICE,
        "关于元旦假期安排的通知",
        "根据国务院办公厅通知，元旦放假 1 天。请各部门做好节日值班和安全生产工作。",
        7,
    ),
    (Kind.NOTICE, "关于开展冬季安全生产大检查的通知", "各部门于本月 20 日前完成自查，形成问题清单报安全监察部。", 5),
    (
        Kind.NOTICE,
        "关于报送年度工作总结的通知",
        "请各部门于下月 5 日前将年度工作总结报送办公室，篇幅不超过 3000 字。",
        0,
    ),
    (Kind.NOTICE, "关于调整办公楼门禁管理的通知", "自下周一起，办公楼门禁实行刷卡通行，请携带工作证。", 0),
    (Kind.NOTICE, "关于做好迎峰度冬保供电工作的通知", "各生产部门严格执行值班制度，确保机组稳发满发。", 0),
    (Kind.NOTICE, "关于组织消防应急演练的通知", "本周四下午 3 点在厂区开展消防应急疏散演练，请全体员工参加。", 0),
    (Kind.NOTICE, "关于规范公文处理工作的通知", "公文一律通过系统流转，纸质文件同步归档。", 0),
]

READERS = ("gm", "deputy1", "office_head", "staff", "finance_head", "hr")


def seed_announcements(*, stdout: TextIO | Any = None) -> int:
    """Returns how many announcements were made (0 when they exist already or the demo org is missing)."""
    clerk = User.objects.filter(username="clerk").first()
    finance_head = User.objects.filter(username="finance_head").first()
    if clerk is None or Announcement.objects.filter(unit__code=MAIN_UNIT_CODE).exists():
        return 0
    flows.publish_definitions()
    now = timezone.now()
    made: list[Announcement] = []

    def publish(actor: User, data: services.AnnouncementIn) -> Announcement:
        draft = services.announcement_create(actor=actor, data=data)
        return services.announcement_publish(actor=actor, announcement_id=draft.pk)

    for kind, title, body, pinned in NOTICES:
        made.append(
            publish(
                clerk,
                services.AnnouncementIn(
                    kind=kind, title=title, body=body, pinned_until=now + timedelta(days=pinned) if pinned else None
                ),
            )
        )
    finance = Department.objects.filter(unit__code=MAIN_UNIT_CODE, code="finance").first()
    if finance_head is not None and finance is not None:
        made.append(
            publish(
                finance_head,
                services.AnnouncementIn(
                    kind=Kind.NOTICE,
                    title="关于月底财务结账的通知",
                    body="本月 28 日起暂停报销受理，请各位同事提前办理。",
                    scope=Scope.DEPARTMENTS,
                    department_ids=[finance.pk],
                ),
            )
        )
    approved = publish(
        clerk,
        services.AnnouncementIn(
            kind=Kind.BULLETIN, title="关于冬季作息时间调整的公告", body="自 12 月 1 日起，下午上班时间调整为 14:00。"
        ),
    )
    if approved.approver is not None:
        services.announcement_approve(actor=approved.approver, announcement_id=approved.pk, comment="同意发布")
    made.append(approved)
    made.append(
        publish(
            clerk,
            services.AnnouncementIn(
                kind=Kind.BULLETIN, title="关于公司食堂承包经营的公告", body="经公司研究，食堂自明年起对外承包经营。"
            ),
        )
    )  # waits for the leader in charge
    activity = publish(
        clerk,
        services.AnnouncementIn(
            kind=Kind.ACTIVITY,
            title="迎新年职工羽毛球比赛报名",
            body="工会组织迎新年羽毛球比赛，名额 6 人，报满后进入候补。",
            capacity=6,
            signup_until=now + timedelta(days=10),
        ),
    )
    made.append(activity)
    made.append(
        publish(
            clerk,
            services.AnnouncementIn(
                kind=Kind.CAMPAIGN,
                title="“我为提质增效献一策”合理化建议征集",
                body="围绕降本增效、安全生产、管理提升，欢迎每位员工建言献策。",
                expires_at=now + timedelta(days=30),
            ),
        )
    )
    people = list(
        Recipient.objects.filter(announcement=activity).values_list("user_id", flat=True).order_by("user_id")[:8]
    )
    for person in User.objects.filter(pk__in=people):
        services.signup_join(actor=person, announcement_id=activity.pk)
    for reader in User.objects.filter(username__in=READERS):
        for announcement in made[:6]:
            services.announcement_read(actor=reader, announcement_id=announcement.pk)
    if stdout is not None:
        stdout.write(f"通知公告：{len(made)} 条\n")
    return len(made)
