"""审计记录导出: the audit page's records, as filtered there (事件 prefix, 操作人), as an Excel workbook with the
page's columns. For the audit administrator only (``Perm.READ_AUDIT``, as the page); the export is itself a
record of the trail (``audit.export``), written after the rows were read, so it names what went out."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts import selectors
from sanfu.accounts.permissions import Perm
from sanfu.core import xlsx
from sanfu.core.audit import audit_record
from sanfu.core.errors import PermissionDeniedError

HEADER = (
    gettext_lazy("序号"),
    gettext_lazy("时间"),
    gettext_lazy("操作人"),
    gettext_lazy("事件"),
    gettext_lazy("结果"),
    gettext_lazy("对象"),
    gettext_lazy("地址"),
)
WIDTHS = (10, 20, 16, 26, 8, 30, 16)


def audit_workbook(*, actor: Any, action: str = "", who: str = "") -> bytes:
    """The trail as the audit page filters it, newest first; ``xlsx.TooManyRowsError`` past the limit,
    ``PermissionDeniedError`` for anyone but the audit administrator."""
    if not selectors.has_perm(actor, Perm.READ_AUDIT):
        raise PermissionDeniedError(_("只有审计管理员可以导出审计记录。"))
    records = selectors.audit_records(action=action, who=who)
    xlsx.require_within_limit(records.count())
    rows = list(records[: xlsx.ROW_LIMIT])
    labels = selectors.audit_target_labels(rows)
    body = [
        [
            r.seq,
            r.at,
            r.actor_name,
            r.action,
            _("成功") if r.outcome == "success" else _("失败"),
            labels.get(r.target, r.target),
            r.ip_address,
        ]
        for r in rows
    ]
    content = xlsx.workbook(xlsx.Sheet(_("审计记录"), [str(h) for h in HEADER], body, WIDTHS))
    audit_record(
        action="audit.export",
        actor=actor,
        target="audit",
        detail={
            "action": action,
            "who": who,
            "rows": len(rows),
            "first_seq": rows[-1].seq if rows else None,
            "last_seq": rows[0].seq if rows else None,
        },
    )
    return content
