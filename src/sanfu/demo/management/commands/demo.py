from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from sanfu.demo.org import DEMO_PASSWORD
from sanfu.demo.seed import seed_all

HEADERS = ("角色", "用户名", "姓名", "密码")


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: list[tuple[str, str, str, str]]) -> str:
    table = [HEADERS, *rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(HEADERS))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Seed the demo organisation (华南能源集团 → 贵港发电有限公司 → 检修分公司: departments, about 150 "
        "people, leaders, heads, secretaries, role grants) and the matter catalogue with its processes, and "
        "print the sign-ins. Safe to run again. (It lives in the top-most app because it seeds them all.)"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--history",
            type=int,
            default=2000,
            help="requests to generate over the last nine months on a fresh database (0: none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rows, made = seed_all(history=options["history"], stdout=self.stdout)
        if made:
            self.stdout.write(
                f"历史申请：已生成 {made} 件"
                "（近九个月，经服务层办理，事件真实；费用报销和请假前六个月走第一版流程，后三个月走精简后的新版）。"
            )
        self.stdout.write("")
        self.stdout.write("演示账户（Demo sign-ins）:")
        self.stdout.write(format_table(rows))
        self.stdout.write("")
        self.stdout.write(
            f"其余员工的用户名为工号小写（如 gg0042、jx0003），密码同为 {DEMO_PASSWORD}；演示账户首次登录无需修改密码。"
        )
        self.stdout.write(
            "注意：三员（sysadmin / secadmin / auditadmin）和流程管理员（flowadmin）首次登录时须绑定 TOTP 动态口令"
            "（身份验证器 App）。"
        )
        self.stdout.write(
            "Note: the three administrators and the process administrator (flowadmin) must enrol a TOTP"
            " authenticator app at their first sign-in."
        )
