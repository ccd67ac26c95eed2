"""The organisation over the REST API: units, departments and the person search (the same one the 转交 and
加签 pickers use), so an integrator finds the ids the other operations take."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from sanfu.api import scopes
from sanfu.api.kit import actor, answers, auth
from sanfu.org.models import Department, Unit
from sanfu.org.people_search import MAX_LIMIT, QUERY_MAX_LENGTH, search_people

READ = scopes.declare("org:read", gettext_lazy("查看单位、部门和人员"))

router = Router(tags=["组织机构"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None


class DepartmentOut(Schema):
    id: int
    unit_id: int
    parent_id: int | None
    code: str
    name: str


class PersonOut(Schema):
    user_id: int
    name: str
    username: str
    employee_no: str
    department: str
    post: str


class DepartmentQuery(Schema):
    unit: int | None = Field(None, ge=1, le=2**53, description="只列这个单位的部门")


class PeopleQuery(Schema):
    q: str = Field(min_length=1, max_length=QUERY_MAX_LENGTH, description="姓名、拼音、首字母、工号、账号或部门")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)


@router.get("/units", response=answers(list[UnitOut]), auth=auth(READ), summary="单位")
def units(request: HttpRequest) -> list[UnitOut]:
    return [
        UnitOut(id=u.pk, code=u.code, name=u.name, parent_id=u.parent_id)
        for u in Unit.objects.order_by("level", "sort", "pk")
    ]


@router.get("/departments", response=answers(list[DepartmentOut]), auth=auth(READ), summary="部门")
def departments(request: HttpRequest, filters: Query[DepartmentQuery]) -> list[DepartmentOut]:
    rows = Department.objects.order_by("unit_id", "path", "sort", "pk")
    if filters.unit is not None:
        rows = rows.filter(unit_id=filters.unit)
    return [DepartmentOut(id=d.pk, unit_id=d.unit_id, parent_id=d.parent_id, code=d.code, name=d.name) for d in rows]


@router.get("/people", response=answers(list[PersonOut]), auth=auth(READ), summary="查找人员（姓名、拼音、工号）")
def people(request: HttpRequest, filters: Query[PeopleQuery]) -> list[PersonOut]:
    hits = search_people(actor=actor(request), query=filters.q, limit=filters.limit)
    return [PersonOut(**hit.__dict__) for hit in hits]
