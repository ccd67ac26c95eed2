"""办公设备 through its services: the register, transfers with history, repairs, the renewal plan against a hand-made
fixture (each rule on and off), and the Excel import refused whole when any row is wrong."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from sanfu.core.errors import ApplicationError, ErrorCode, PermissionDeniedError
from sanfu.resources import renewal, services
from sanfu.resources.models import Asset, AssetRepair, AssetTransfer, Condition


def _asset(res: dict[str, Any], number: str, **extra: Any) -> Asset:
    fields: dict[str, Any] = {
        "number": number,
        "name": "台式计算机",
        "category": "计算机",
        "purchase_date": date(2022, 3, 1),
        "value": "6000",
        "service_years": 6,
        "department_id": res["finance"].pk,
        **extra,
    }
    return services.asset_create(actor=res["clerk"], data=services.AssetIn(**fields))


def test_register_checks_and_keeps_numbers_unique(res: dict[str, Any]) -> None:
    _asset(res, "ZC-001")
    with pytest.raises(ApplicationError, match="已登记"):
        _asset(res, "ZC-001")
    with pytest.raises(ApplicationError, match="原值"):
        _asset(res, "ZC-002", value="abc")
    with pytest.raises(ApplicationError, match="使用年限"):
        _asset(res, "ZC-002", service_years=0)
    with pytest.raises(ApplicationError, match="晚于今天"):
        _asset(res, "ZC-002", purchase_date=timezone.localdate() + timedelta(days=1))
    with pytest.raises(ApplicationError, match="保管人"):
        _asset(res, "ZC-002", keeper_id=res["stranger"].pk)
    with pytest.raises(PermissionDeniedError):
        services.asset_create(
            actor=res["accountant"],
            data=services.AssetIn(
                number="ZC-3", name="x", category="x", purchase_date=date(2020, 1, 1), value=1, service_years=5
            ),
        )
    assert list(Asset.objects.values_list("number", flat=True)) == ["ZC-001"]


def test_transfer_changes_keeper_and_department_and_keeps_history(res: dict[str, Any]) -> None:
    asset = _asset(res, "ZC-001", keeper_id=res["accountant"].pk, location="财务部 301")
    services.asset_transfer(
        actor=res["clerk"],
        asset_id=asset.pk,
        department_id=res["office"].pk,
        keeper_id=res["clerk"].pk,
        location="办公楼 201",
        note="岗位调整",
    )
    asset.refresh_from_db()
    assert (asset.department, asset.keeper, asset.location) == (res["office"], res["clerk"], "办公楼 201")
    move = AssetTransfer.objects.get()
    assert (move.from_department, move.to_department, move.from_keeper, move.to_keeper) == (
        res["finance"],
        res["office"],
        res["accountant"],
        res["clerk"],
    )
    with pytest.raises(ApplicationError, match="没有变化"):
        services.asset_transfer(
            actor=res["clerk"], asset_id=asset.pk, department_id=res["office"].pk, keeper_id=res["clerk"].pk
        )
    assert AssetTransfer.objects.count() == 1


def test_repairs_are_checked(res: dict[str, Any]) -> None:
    asset = _asset(res, "ZC-001")
    with pytest.raises(ApplicationError, match="早于购置"):
        services.asset_repair(
            actor=res["clerk"], asset_id=asset.pk, repaired_on=date(2021, 1, 1), description="换硬盘", cost=100
        )
    with pytest.raises(ApplicationError, match="维修费用"):
        services.asset_repair(
            actor=res["clerk"], asset_id=asset.pk, repaired_on=date(2023, 1, 1), description="换硬盘", cost="-1"
        )
    services.asset_repair(
        actor=res["clerk"], asset_id=asset.pk, repaired_on=date(2023, 1, 1), description="换硬盘", cost="450.5"
    )
    assert AssetRepair.objects.get().cost == Decimal("450.50")


def test_renewal_plan_against_a_hand_made_fixture(res: dict[str, Any]) -> None:
    """Five assets, each with a known fate in 2027 under the default rules (age, poor, repairs over 50%)."""
    _asset(res, "A-OLD", purchase_date=date(2021, 6, 30), service_years=6)  # due 2027-06-30
    _asset(res, "A-LATE", purchase_date=date(2022, 1, 1), service_years=6)  # due 2028: not in 2027
    _asset(res, "A-POOR", purchase_date=date(2025, 1, 1), condition=Condition.POOR, value="3000")
    costly = _asset(res, "A-COST", purchase_date=date(2024, 5, 1), value="1000", department_id=res["office"].pk)
    fine = _asset(res, "A-FINE", purchase_date=date(2024, 5, 1), value="1000")
    services.asset_repair(
        actor=res["clerk"], asset_id=costly.pk, repaired_on=date(2025, 1, 1), description="维修", cost=300
    )
    services.asset_repair(
        actor=res["clerk"], asset_id=costly.pk, repaired_on=date(2025, 6, 1), description="维修", cost=250
    )
    services.asset_repair(
        actor=res["clerk"], asset_id=fine.pk, repaired_on=date(2025, 6, 1), description="维修", cost=500
    )

    plan = renewal.renewal_plan(res["clerk"], year=2027)
    reasons = {line.number: line.reasons for line in plan.lines}
    assert set(reasons) == {"A-OLD", "A-POOR", "A-COST"}  # A-FINE's 500 is exactly 50%: not over it
    assert reasons["A-OLD"] == ("达到使用年限（2027-06-30 到期）",)
    assert reasons["A-POOR"] == ("状况较差",)
    assert reasons["A-COST"] == ("累计维修费 550.00 元，超过原值的 50%",)
    assert plan.total == Decimal("10000.00")
    assert plan.by_department == [("财务部", 2, Decimal("9000.00")), ("办公室", 1, Decimal("1000.00"))]

    assert {line.number for line in renewal.renewal_plan(res["clerk"], year=2028).lines} == {
        "A-OLD",
        "A-LATE",
        "A-POOR",
        "A-COST",
    }
    # the office edits the rules: age only; then repairs over 40% as well
    services.renewal_rule_update(actor=res["clerk"], by_age=True, by_condition=False, repair_share=None)
    assert [line.number for line in renewal.renewal_plan(res["clerk"], year=2027).lines] == ["A-OLD"]
    services.renewal_rule_update(actor=res["clerk"], by_age=True, by_condition=False, repair_share=40)
    assert {line.number for line in renewal.renewal_plan(res["clerk"], year=2027).lines} == {
        "A-OLD",
        "A-COST",
        "A-FINE",
    }
    with pytest.raises(ApplicationError):
        services.renewal_rule_update(actor=res["clerk"], by_age=True, by_condition=True, repair_share=0)
    with pytest.raises(PermissionDeniedError):
        services.renewal_rule_update(actor=res["accountant"], by_age=False, by_condition=False, repair_share=None)


HEADER = ["资产编号", "名称", "类别", "购置日期", "原值", "使用年限", "状况", "存放地点", "使用部门", "保管人"]


def workbook(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_creates_every_row(res: dict[str, Any]) -> None:
    content = workbook(
        [
            ["IM-1", "打印机", "办公设备", date(2020, 1, 5), 2500, 5, "一般", "办公楼 101", "财务部", "accountant"],
            ["IM-2", "投影仪", "会议设备", "2021-04-01", "8000.5", 8, "", "", "", ""],
        ]
    )
    result = services.asset_import(actor=res["clerk"], content=content)
    assert result.created == 2
    printer = Asset.objects.get(number="IM-1")
    assert (printer.condition, printer.department, printer.keeper) == (
        Condition.FAIR,
        res["finance"],
        res["accountant"],
    )
    assert Asset.objects.get(number="IM-2").value == Decimal("8000.50")


def test_import_with_any_wrong_row_is_refused_whole(res: dict[str, Any]) -> None:
    _asset(res, "ZC-001")
    content = workbook(
        [
            ["IM-1", "打印机", "办公设备", date(2020, 1, 5), 2500, 5, "一般", "", "财务部", ""],  # fine
            ["IM-2", "投影仪", "会议设备", "去年", 8000, 8, "", "", "", ""],  # bad date
            ["ZC-001", "电脑", "计算机", date(2020, 1, 5), 5000, 6, "", "", "", ""],  # already registered
            ["IM-1", "电脑", "计算机", date(2020, 1, 5), 5000, 6, "", "", "", ""],  # twice in the file
            ["IM-5", "电脑", "计算机", date(2020, 1, 5), 5000, 6, "很好", "", "", ""],  # unknown condition
            ["IM-6", "电脑", "计算机", date(2020, 1, 5), 5000, 6, "", "", "后勤部", ""],  # unknown department
            ["IM-7", "电脑", "计算机", date(2020, 1, 5), -3, 6, "", "", "", ""],  # negative value
            ["IM-8", "", "计算机", date(2020, 1, 5), 5000, 6, "", "", "", ""],  # no name
        ]
    )
    with pytest.raises(ApplicationError) as refused:
        services.asset_import(actor=res["clerk"], content=content)
    assert refused.value.code == ErrorCode.IMPORT_FAILED
    assert [(e["row"], e["column"]) for e in refused.value.errors] == [
        (3, "购置日期"),
        (4, "资产编号"),
        (5, "资产编号"),
        (6, "状况"),
        (7, "使用部门"),
        (8, "原值"),
        (9, "名称"),
    ]
    assert "第 2 行" in str(refused.value.errors[2]["message"])
    assert list(Asset.objects.values_list("number", flat=True)) == ["ZC-001"]


def test_import_refuses_a_bad_file_or_header(res: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="未导入") as refused:
        services.asset_import(actor=res["clerk"], content=b"not a workbook")
    assert "Excel" in str(refused.value.errors[0]["message"])
    with pytest.raises(ApplicationError) as refused:
        services.asset_import(actor=res["clerk"], content=workbook([["x"]], header=["资产编号", "名称"]))
    assert {e["column"] for e in refused.value.errors} == {"类别", "购置日期", "原值", "使用年限"}
    with pytest.raises(PermissionDeniedError):
        services.asset_import(actor=res["accountant"], content=workbook([]))
    assert not Asset.objects.exists()
