"""The pages' forms: they parse and shape input; every rule is the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfu.core.forms import StyledForm
from sanfu.resources.models import Condition, VehicleStatus

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CarRequestForm(StyledForm):
    purpose = forms.CharField(label=_("用车事由"), max_length=200)
    origin = forms.CharField(label=_("出发地"), max_length=100)
    destination = forms.CharField(label=_("目的地"), max_length=100)
    passengers = forms.IntegerField(label=_("乘车人数"), min_value=1, max_value=60, initial=1)
    starts_at = forms.DateTimeField(label=_("用车开始"), widget=_DATETIME)
    ends_at = forms.DateTimeField(label=_("用车结束"), widget=_DATETIME)
    department = forms.TypedChoiceField(label=_("用车部门"), coerce=int)

    def __init__(self, *args: Any, departments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = departments  # type: ignore[attr-defined]


class DispatchForm(StyledForm):
    vehicle = forms.TypedChoiceField(label=_("车辆"), coerce=int)
    driver = forms.TypedChoiceField(label=_("驾驶员"), coerce=int)
    comment = forms.CharField(label=_("意见"), max_length=200, required=False)

    def __init__(
        self, *args: Any, vehicles: list[tuple[int, str]], drivers: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].choices = vehicles  # type: ignore[attr-defined]
        self.fields["driver"].choices = drivers  # type: ignore[attr-defined]


class TripForm(StyledForm):
    odometer_start = forms.IntegerField(label=_("出车里程（公里）"), min_value=0)
    odometer_end = forms.IntegerField(label=_("回场里程（公里）"), min_value=0)
    fuel_litres = forms.DecimalField(label=_("加油量（升）"), min_value=0, decimal_places=2, initial=0)
    fuel_cost = forms.DecimalField(label=_("油费"), min_value=0, decimal_places=2, initial=0)
    tolls = forms.DecimalField(label=_("通行费"), min_value=0, decimal_places=2, initial=0)
    parking = forms.DecimalField(label=_("停车费"), min_value=0, decimal_places=2, initial=0)


class VehicleForm(StyledForm):
    plate = forms.CharField(label=_("车牌号"), max_length=16)
    model = forms.CharField(label=_("品牌型号"), max_length=100)
    seats = forms.IntegerField(label=_("座位数"), min_value=1, max_value=60, initial=5)
    status = forms.ChoiceField(label=_("状态"), choices=VehicleStatus.choices, initial=VehicleStatus.IN_SERVICE)


class DriverForm(StyledForm):
    user = forms.TypedChoiceField(label=_("本单位人员"), coerce=int, required=False, empty_value=None)
    name = forms.CharField(label=_("或：外聘驾驶员姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—"), *people]  # type: ignore[attr-defined]


class AssetForm(StyledForm):
    number = forms.CharField(label=_("资产编号"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=100)
    category = forms.CharField(label=_("类别"), max_length=50)
    purchase_date = forms.DateField(label=_("购置日期"), widget=_DATE)
    value = forms.DecimalField(label=_("原值"), min_value=0, decimal_places=2)
    service_years = forms.IntegerField(label=_("使用年限"), min_value=1, max_value=50)
    condition = forms.ChoiceField(label=_("状况"), choices=Condition.choices)
    location = forms.CharField(label=_("存放地点"), max_length=100, required=False)
    department = forms.TypedChoiceField(label=_("使用部门"), coerce=int, required=False, empty_value=None)
    keeper = forms.TypedChoiceField(label=_("保管人"), coerce=int, required=False, empty_value=None)

    def __init__(
        self, *args: Any, departments: list[tuple[int, str]], people: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—"), *departments]  # type: ignore[attr-defined]
        self.fields["keeper"].choices = [("", "—"), *people]  # type: ignore[attr-defined]


class TransferForm(StyledForm):
    department = forms.TypedChoiceField(label=_("新部门"), coerce=int, required=False, empty_value=None)
    keeper = forms.TypedChoiceField(label=_("新保管人"), coerce=int, required=False, empty_value=None)
    location = forms.CharField(label=_("新地点"), max_length=100, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(
        self, *args: Any, departments: list[tuple[int, str]], people: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—"), *departments]  # type: ignore[attr-defined]
        self.fields["keeper"].choices = [("", "—"), *people]  # type: ignore[attr-defined]


class RepairForm(StyledForm):
    repaired_on = forms.DateField(label=_("维修日期"), widget=_DATE)
    description = forms.CharField(label=_("维修内容"), max_length=200)
    cost = forms.DecimalField(label=_("费用"), min_value=0, decimal_places=2)


class ConditionForm(StyledForm):
    condition = forms.ChoiceField(label=_("状况"), choices=Condition.choices)


class RenewalRuleForm(StyledForm):
    by_age = forms.BooleanField(label=_("达到使用年限"), required=False)
    by_condition = forms.BooleanField(label=_("状况较差"), required=False)
    repair_share = forms.IntegerField(
        label=_("累计维修费超过原值的百分比（留空不启用）"), min_value=1, max_value=1000, required=False
    )


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
