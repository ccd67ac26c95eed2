from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanfu.demo.gen import AlreadyGeneratedError, generate, stage_counts


class Command(BaseCommand):
    help = (
        "Generate a group at scale for benchmarks on a fresh database: the demo organisation and catalogue, "
        "second-level units laid out like the demo plant until there are --staff people, and --instances "
        "requests (--prototypes of them through the services, the rest bulk copies of those). Runs once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--staff", type=int, default=2000, help="people in the group (default 2000)")
        parser.add_argument("--instances", type=int, default=5000, help="requests in all (default 5000)")
        parser.add_argument(
            "--prototypes",
            type=int,
            default=2000,
            help="requests made through the services; the rest are copies of them (default 2000)",
        )
        parser.add_argument(
            "--open-share",
            type=float,
            default=0.02,
            help="share of all requests still open (copies of open ones stop there; default 0.02)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if min(options["staff"], options["instances"], options["prototypes"]) < 0:
            raise CommandError("--staff, --instances and --prototypes must not be negative")
        try:
            result = generate(
                staff=options["staff"],
                instances=options["instances"],
                prototypes=options["prototypes"],
                open_share=options["open_share"],
                stdout=self.stdout,
            )
        except AlreadyGeneratedError as exc:
            raise CommandError(
                "这个数据库已有申请或生成的集团，sanfu gen 只在新数据库上运行一次。"
                " (The database already has requests or a generated group: run sanfu gen once, on a fresh database.)"
            ) from exc
        stages = "，".join(f"{k} {v}" for k, v in sorted(stage_counts().items()))
        made = len(result.prototypes)
        self.stdout.write(
            f"完成：新增单位 {result.units}，新增人员 {result.people}，"
            f"申请 {made + result.copies}（经服务层 {made}，复制 {result.copies}）；{stages}"
        )
