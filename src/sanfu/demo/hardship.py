"""Demo 爱心基金 (``sanfu demo``): the main unit's committee — 人事专员 and 办公室主任 as members, 纪委书记 as chair
— and three applications through the fund's services: one waiting for the committee, one approved and partly
paid, one not approved. Idempotent: only on a database where the main unit has no application yet."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import RoleGrant, User
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.hardship import services
from sanfu.hardship.models import CHAIR_ROLE, COMMITTEE_ROLE, Application, Method
from sanfu.org.clearance import Level
from sanfu.org.models import Unit

COMMITTEE = [("hr", COMMITTEE_ROLE), ("office_head", COMMITTEE_ROLE), ("deputy4", CHAIR_ROLE)]


def seed_hardship(*, stdout: TextIO | Any = None) -> int:
    """Returns how many applications were made (0 when the main unit has some already or the demo org is missing)."""
    unit = Unit.objects.filter(code=MAIN_UNIT_CODE).first()
    if unit is None or Application.objects.filter(unit=unit).exists():
        return 0
    wanted = ["hr", "office_head", "deputy4", "staff", "finance_head", "secretary"]
    people = {u.username: u for u in User.objects.filter(username__in=wanted, staff__unit=unit)}
    if len(people) != len(wanted):
        return 0
    roles = services.ensure_committee_roles()
    for ref, code in COMMITTEE:
        RoleGrant.objects.get_or_create(user=people[ref], role=roles[code], unit=unit)

    def submit(ref: str, amount: str, reason: str, family: str, level: str) -> Application:
        return services.application_submit(
            actor=people[ref],
            data=services.ApplicationIn(
                reason=reason, family_situation=family, amount_requested=Decimal(amount), confidentiality=level
            ),
        )

    submit("staff", "6000", "母亲突发脑梗住院，自付医疗费用较高。", "家中三口人，配偶务农，孩子上初中。", Level.SECRET)
    paid = submit(
        "secretary", "10000", "家中房屋受台风损毁，需修缮。", "父母年迈同住，家庭收入仅本人工资。", Level.INTERNAL
    )
    services.application_approve(actor=people["hr"], application_id=paid.pk, amount="8000", comment="情况属实")
    services.application_approve(actor=people["deputy4"], application_id=paid.pk, comment="同意资助8000元")
    today = timezone.localdate()
    services.payment_record(
        actor=people["hr"],
        application_id=paid.pk,
        amount="5000",
        paid_on=today - timedelta(days=3),
        method=Method.TRANSFER,
        voucher_no=f"AX{today:%Y}-001",
    )
    refused = submit("finance_head", "3000", "子女上大学学费。", "双职工家庭。", Level.SECRET)
    services.application_reject(
        actor=people["hr"], application_id=refused.pk, comment="家庭收入高于本单位困难标准，建议申请助学贷款。"
    )
    if stdout is not None:
        stdout.write("爱心基金：委员会 3 人，申请 3 件（审议中、已批准并部分发放、未批准）\n")
    return 3
