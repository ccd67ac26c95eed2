"""Words of the 审批中心 that are stored as Chinese data and shown in the reader's language: the urgency
(its value stays 平急/加急/特急 in forms, the flow and conditions), the copies of a material, and the common
people who sign a material (``signer`` in a matter's materials, typed by whoever defines the matter)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from sanfu.core.params import parse_int

URGENCY_LABELS = {"特急": gettext_lazy("特急"), "加急": gettext_lazy("加急"), "平急": gettext_lazy("平急")}

# The signers a matter's materials commonly name; anything else is shown as typed.
SIGNER_LABELS = {
    "经办人": pgettext_lazy("signer", "经办人"),
    "申请人": pgettext_lazy("signer", "申请人"),
    "本人": pgettext_lazy("signer", "本人"),
    "部门负责人": pgettext_lazy("signer", "部门负责人"),
    "分管领导": pgettext_lazy("signer", "分管领导"),
    "主要负责人": pgettext_lazy("signer", "主要负责人"),
    "单位负责人": pgettext_lazy("signer", "单位负责人"),
    "财务负责人": pgettext_lazy("signer", "财务负责人"),
    "项目负责人": pgettext_lazy("signer", "项目负责人"),
    "法定代表人": pgettext_lazy("signer", "法定代表人"),
}
SIGNER_SEPARATORS = ("、", "和", "及")  # 经办人、部门负责人 / 经办人和部门负责人


def urgency_label(value: Any) -> str:
    """平急 → Normal in English; an unknown value as it is."""
    return str(URGENCY_LABELS.get(str(value), value))


def signer_label(value: Any) -> str:
    """Who signs a material in the reader's language when it is one or several of the common signers (经办人,
    部门负责人 …); otherwise as typed."""
    text = str(value or "").strip()
    if text in SIGNER_LABELS:
        return str(SIGNER_LABELS[text])
    for separator in SIGNER_SEPARATORS:
        parts = [p.strip() for p in text.split(separator)]
        if len(parts) > 1 and all(p in SIGNER_LABELS for p in parts):
            return _("、").join(str(SIGNER_LABELS[p]) for p in parts)
    return text


def copies_text(value: Any) -> str:
    """A material's number of copies: "1 份" / "1 copy", "2 copies"; a value that is no whole number as typed."""
    count = parse_int(str(value), minimum=0)
    if count is None:
        return str(value)
    return ngettext("%(n)s 份", "%(n)s 份", count) % {"n": count}
