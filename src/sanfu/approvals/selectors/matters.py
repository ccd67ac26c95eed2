"""The matters as others name them: (process key, matter name) pairs for pages outside the 审批中心 (the
delegation form limits a delegation to some matters by their process key)."""

from __future__ import annotations

from sanfu.approvals.models import MatterType


def matter_choices_by_process() -> list[tuple[str, str]]:
    """Active matters by process key, in catalogue order; a process shared by several matters is named once."""
    pairs: dict[str, str] = {}
    for key, name in (
        MatterType.objects.filter(is_active=True).order_by("area", "sort", "code").values_list("definition_key", "name")
    ):
        pairs.setdefault(key, name)
    return list(pairs.items())
