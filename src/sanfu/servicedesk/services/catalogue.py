"""服务目录: the window clerk keeps the services; each service's flow definition follows its departments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core import notices
from sanfu.core.audit import audit_record
from sanfu.core.errors import NotFoundError
from sanfu.org.models import Department
from sanfu.servicedesk import flows
from sanfu.servicedesk.models import Channel, Service
from sanfu.servicedesk.services.base import bad, clerks_of, require_clerk

MAX_DAYS = 60
MAX_MATERIALS = 20
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


@dataclass(frozen=True)
class ServiceIn:
    code: str
    name: str
    department_ids: list[int]
    promised_days: int = 3
    description: str = ""
    matter_code: str = ""
    materials: list[str] = field(default_factory=list)  # its own list: "名称" or "名称*" for a required one
    channels: list[str] = field(default_factory=lambda: [Channel.ONLINE, Channel.WINDOW, Channel.HOTLINE])
    public: bool = False
    is_active: bool = True
    sort: int = 0


def own_materials(lines: list[str]) -> list[dict[str, Any]]:
    """The service's own list from lines: a trailing ``*`` marks a required item, ``：`` starts its standard."""
    items: list[dict[str, Any]] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        name, _sep, standard = line.replace(":", "：").partition("：")
        name = name.strip()
        required = name.endswith("*")
        name = name.rstrip("*").strip()
        if not name or len(name) > 100 or len(standard) > 200:
            raise bad(_("每项材料名称不超过 100 个字，要求不超过 200 个字。"), "materials")
        items.append({"code": f"m{len(items) + 1}", "name": name, "required": required, "standard": standard.strip()})
    if len(items) > MAX_MATERIALS:
        raise bad(_("材料清单不超过 %(n)d 项。") % {"n": MAX_MATERIALS}, "materials")
    if len({i["name"] for i in items}) != len(items):
        raise bad(_("材料清单中有重复的材料。"), "materials")
    return items


def _checked(unit_id: int, data: ServiceIn) -> tuple[dict[str, Any], list[Department]]:
    code, name = data.code.strip().lower(), data.name.strip()
    if not _CODE.match(code):
        raise bad(_("服务代码为 2 至 64 个小写字母、数字或连字符。"), "code")
    if not name or len(name) > 100:
        raise bad(_("请填写服务名称（不超过 100 个字）。"), "name")
    if len(data.description) > 3000:
        raise bad(_("服务说明不超过 3000 个字。"), "description")
    if not 1 <= data.promised_days <= MAX_DAYS:
        raise bad(_("承诺时限须在 1 至 %(n)d 个工作日之间。") % {"n": MAX_DAYS}, "promised_days")
    channels = [c for c in Channel.values if c in data.channels]
    if not channels or len(channels) != len(set(data.channels)):
        raise bad(_("请选择至少一个办理渠道。"), "channels")
    matter_code = data.matter_code.strip()
    if matter_code and notices.notice(matter_code) is None:
        raise bad(_("审批事项“%(code)s”不存在或未启用。") % {"code": matter_code}, "matter_code")
    materials = [] if matter_code else own_materials(data.materials)
    wanted = list(dict.fromkeys(data.department_ids))
    departments = list(Department.objects.filter(pk__in=wanted, unit_id=unit_id, is_active=True))
    if not wanted or len(departments) != len(wanted):
        raise bad(_("请选择本单位的承办部门（至少一个）。"), "departments")
    departments.sort(key=lambda d: wanted.index(d.pk))
    fields = {
        "code": code,
        "name": name,
        "description": data.description.strip(),
        "matter_code": matter_code,
        "materials": materials,
        "promised_days": data.promised_days,
        "channels": channels,
        "public": data.public,
        "is_active": data.is_active,
        "sort": data.sort,
    }
    return fields, departments


def service_save(*, actor: User, data: ServiceIn, service_id: int | None = None) -> Service:
    """登记或修改服务事项 (the window clerk). Its flow definition is published anew when the departments or the
    promised days change; requests already running keep their version."""
    unit_id = require_clerk(actor)
    fields, departments = _checked(unit_id, data)
    try:
        with transaction.atomic():
            if service_id is None:
                service = Service.objects.create(unit_id=unit_id, **fields)
            else:
                service = Service.objects.filter(pk=service_id, unit_id=unit_id).first()  # type: ignore[assignment]
                if service is None:
                    raise NotFoundError(_("服务事项不存在。"))
                Service.objects.filter(pk=service.pk).update(**fields)
                service.refresh_from_db()
            service.departments.set(departments)
            flows.publish(
                flows.service_spec(
                    service_id=service.pk,
                    name=service.name,
                    departments=[(d.pk, d.name) for d in departments],
                    days=service.promised_days,
                    admins=clerks_of(unit_id),
                )
            )
            audit_record(
                action="servicedesk.service.save",
                actor=actor,
                target=f"service:{service.pk}",
                detail={"code": service.code, "departments": [d.pk for d in departments]},
            )
    except IntegrityError as exc:
        raise bad(_("服务代码 %(code)s 已被使用。") % {"code": fields["code"]}, "code") from exc
    return service
