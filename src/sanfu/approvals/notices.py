"""The 审批中心's matters as the source of ``core.notices`` (一次性告知 shared with the one-stop window)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sanfu.approvals.models import MatterType
from sanfu.approvals.selectors.catalogue import notice_of
from sanfu.approvals.services.checking import check_materials

_MATERIAL_KEYS = ("code", "name", "required", "formats", "standard", "copies", "signer", "sample")


def _matter(code: str) -> MatterType | None:
    return MatterType.objects.filter(code=code, is_active=True).first()


class MatterNotices:
    """Answers ``core.notices`` from the matter catalogue, with the functions the 审批中心's own pages use."""

    def notice(self, code: str) -> dict[str, Any] | None:
        matter = _matter(code)
        if matter is None:
            return None
        found = notice_of(matter)
        return {
            "code": matter.code,
            "name": matter.name,
            "description": matter.description,
            "promised_days": matter.promised_days,
            "materials": [
                {key: spec.get(key, True if key == "required" else "") for key in _MATERIAL_KEYS}
                for spec in found["materials"]
            ],
            "required_fields": [{"name": f.name, "label": f.label} for f in found["required_fields"]],
        }

    def check(
        self, code: str, uploads: Mapping[str, Sequence[Any]], on_file: Collection[str] = ()
    ) -> list[dict[str, Any]]:
        matter = _matter(code)
        if matter is None:
            return []
        return [
            {"field": p.key, "label": p.label, "message": p.message}
            for p in check_materials(matter, uploads, on_file=frozenset(on_file))
        ]
