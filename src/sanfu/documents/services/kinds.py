"""文种 starters: the title, body and 主送 a new 发文 of each kind begins with (拟稿 from a template)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sanfu.documents.models import DocKind
from sanfu.documents.services.common import check_choice

TEMPLATES: dict[str, dict[str, str]] = {
    DocKind.NOTICE: {
        "title": "关于……的通知",
        "body": "各部门：\n\n为……，现将有关事项通知如下：\n\n一、……\n\n二、……\n\n请各部门认真贯彻执行。",
        "recipients": "各部门",
    },
    DocKind.REQUEST: {
        "title": "关于……的请示",
        "body": "……：\n\n因……，特请示如下：\n\n……\n\n妥否，请批示。",
        "recipients": "华南能源集团",
    },
    DocKind.REPORT: {
        "title": "关于……情况的报告",
        "body": "……：\n\n现将……情况报告如下：\n\n一、基本情况\n\n二、存在问题\n\n三、下一步工作\n\n特此报告。",
        "recipients": "华南能源集团",
    },
    DocKind.LETTER: {
        "title": "关于……的函",
        "body": "……：\n\n……\n\n请予支持为盼。",
        "recipients": "",
    },
    DocKind.MINUTES: {
        "title": "……会议纪要",
        "body": "……年……月……日，……主持召开……会议，研究……。纪要如下：\n\n一、……\n\n二、……",
        "recipients": "各部门",
    },
    DocKind.DECISION: {
        "title": "关于……的决定",
        "body": "为……，经研究，决定：\n\n一、……\n\n二、……\n\n本决定自印发之日起施行。",
        "recipients": "各部门",
    },
    DocKind.CIRCULAR: {
        "title": "关于……的通报",
        "body": "各部门：\n\n……年……月……日，……。\n\n为……，现予通报。\n\n……",
        "recipients": "各部门",
    },
    DocKind.REPLY: {
        "title": "关于……的批复",
        "body": "……：\n\n你部《关于……的请示》收悉。经研究，批复如下：\n\n一、……\n\n此复。",
        "recipients": "",
    },
}


def outgoing_template(kind: str) -> dict[str, str]:
    """The starter title, body and recipients of a 文种."""
    check_choice(kind, DocKind, _("文种"))
    return dict(TEMPLATES[kind])
