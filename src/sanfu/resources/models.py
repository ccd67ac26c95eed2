"""资源共享: 公务用车 (vehicles, drivers, car requests, dispatches and trip logs) and 办公设备 (the asset register,
transfers, repairs and the renewal rules).

Two active dispatches of one vehicle, or of one driver, never overlap in time: on PostgreSQL two exclusion
constraints (``resources_dispatch_vehicle_no_overlap`` and ``…_driver_no_overlap``, migration 0002) refuse the
second; on SQLite every dispatch is written by one guarded statement (``INSERT … SELECT … WHERE NOT EXISTS
(overlap)``, see ``services.dispatch``), which SQLite runs under its single write lock — the approach of the
meeting rooms' bookings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# --- 公务用车 ----------------------------------------------------------------------------------------------


class VehicleStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("在用")
    MAINTENANCE = "maintenance", _("维修保养")
    RETIRED = "retired", _("已报废")


class Vehicle(models.Model):
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    plate = models.CharField(_("车牌号"), max_length=16)
    model = models.CharField(_("品牌型号"), max_length=100)
    seats = models.PositiveSmallIntegerField(_("座位数"), default=5)
    status = models.CharField(_("状态"), max_length=16, choices=VehicleStatus.choices, default=VehicleStatus.IN_SERVICE)

    class Meta:
        ordering = ["plate"]
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        constraints = [
            models.UniqueConstraint(fields=["plate"], name="resources_vehicle_unique_plate"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="resources_vehicle_seats_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plate} {self.model}"


class Driver(models.Model):
    """驾驶员: a staff person (``user``) or someone outside the staff list (a name and a phone)."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("驾驶员")
        verbose_name_plural = _("驾驶员")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="resources_driver_named"),
        ]

    def __str__(self) -> str:
        return self.name


class FlowRequest(models.Model):
    """What a car request and a 领用申请 share: the unit, the requester, the status (each its own choices, through
    ``status_field``), the flow instance that approves it and when it was made."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    instance = models.OneToOneField(
        "workflow.Instance", verbose_name=_("流程"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)

    class Meta:
        abstract = True


def status_field(choices: type[models.TextChoices], default: str) -> models.CharField:  # type: ignore[type-arg]
    """The status of a ``FlowRequest``: one of ``choices``."""
    return models.CharField(_("状态"), max_length=16, choices=choices.choices, default=default)


class CarRequestStatus(models.TextChoices):
    HEAD = "head", _("部门审核中")
    DISPATCHING = "dispatching", _("待派车")
    RETURNED = "returned", _("已退回")
    DISPATCHED = "dispatched", _("已派车")
    COMPLETED = "completed", _("已回场")
    CANCELLED = "cancelled", _("已撤销")


class CarRequest(FlowRequest):
    """用车申请: approved through the flow ``vehicle-request`` (the department head, then the vehicle manager, whose
    step is the dispatch itself). A dispatch cancelled by the vehicle manager puts it back to 待派车 (dispatched
    again without a flow step) or closes it as 已撤销, as the requester's withdrawal does."""

    department = models.ForeignKey(
        "org.Department", verbose_name=_("用车部门"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("用车事由"), max_length=200)
    origin = models.CharField(_("出发地"), max_length=100)
    destination = models.CharField(_("目的地"), max_length=100)
    passengers = models.PositiveSmallIntegerField(_("乘车人数"), default=1)
    starts_at = models.DateTimeField(_("用车开始"))
    ends_at = models.DateTimeField(_("用车结束"))
    status = status_field(CarRequestStatus, CarRequestStatus.HEAD)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("用车申请")
        verbose_name_plural = _("用车申请")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="resources_carrequest_times"),
            models.CheckConstraint(condition=Q(passengers__gte=1), name="resources_carrequest_passengers"),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="resources_carrequest_status")]

    def __str__(self) -> str:
        return self.purpose


class DispatchStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    CANCELLED = "cancelled", _("已取消")


class Dispatch(models.Model):
    """派车: one vehicle and one driver for a request's time [starts_at, ends_at)."""

    request = models.ForeignKey(
        CarRequest, verbose_name=_("用车申请"), on_delete=models.PROTECT, related_name="dispatches"
    )
    vehicle = models.ForeignKey(Vehicle, verbose_name=_("车辆"), on_delete=models.PROTECT, related_name="dispatches")
    driver = models.ForeignKey(Driver, verbose_name=_("驾驶员"), on_delete=models.PROTECT, related_name="dispatches")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    status = models.CharField(_("状态"), max_length=16, choices=DispatchStatus.choices, default=DispatchStatus.ACTIVE)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("派车人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("派车时间"), default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("派车")
        verbose_name_plural = _("派车")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="resources_dispatch_times"),
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="active"), name="resources_dispatch_one_per_request"
            ),
        ]
        indexes = [
            models.Index(fields=["vehicle", "starts_at"], name="resources_dispatch_vehicle"),
            models.Index(fields=["driver", "starts_at"], name="resources_dispatch_driver"),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id}:{self.starts_at:%Y-%m-%d %H:%M}"


class TripLog(models.Model):
    """出车记录 on return: odometer readings (km) and the costs (yuan)."""

    dispatch = models.OneToOneField(Dispatch, verbose_name=_("派车"), on_delete=models.PROTECT, related_name="trip")
    odometer_start = models.PositiveIntegerField(_("出车里程"))
    odometer_end = models.PositiveIntegerField(_("回场里程"))
    fuel_litres = models.DecimalField(_("加油量（升）"), max_digits=8, decimal_places=2, default=0)
    fuel_cost = models.DecimalField(_("油费"), max_digits=10, decimal_places=2, default=0)
    tolls = models.DecimalField(_("通行费"), max_digits=10, decimal_places=2, default=0)
    parking = models.DecimalField(_("停车费"), max_digits=10, decimal_places=2, default=0)
    returned_at = models.DateTimeField(_("回场时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("出车记录")
        verbose_name_plural = _("出车记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(odometer_end__gte=F("odometer_start")), name="resources_trip_odometer_forward"
            ),
            models.CheckConstraint(
                condition=Q(fuel_litres__gte=0, fuel_cost__gte=0, tolls__gte=0, parking__gte=0),
                name="resources_trip_costs_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispatch_id}"

    @property
    def distance(self) -> int:
        return self.odometer_end - self.odometer_start

    @property
    def cost(self) -> object:
        return self.fuel_cost + self.tolls + self.parking


# --- 办公设备 ----------------------------------------------------------------------------------------------


class Condition(models.TextChoices):
    GOOD = "good", _("良好")
    FAIR = "fair", pgettext_lazy("asset condition", "一般")
    POOR = "poor", _("较差")


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    DISPOSED = "disposed", _("已处置")


class Asset(models.Model):
    """设备台账: one asset of a unit; ``number`` (资产编号) is unique within the unit."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("资产编号"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=50)
    purchase_date = models.DateField(_("购置日期"))
    value = models.DecimalField(_("原值"), max_digits=12, decimal_places=2)
    service_years = models.PositiveSmallIntegerField(_("使用年限"))
    condition = models.CharField(_("状况"), max_length=8, choices=Condition.choices, default=Condition.GOOD)
    status = models.CharField(_("状态"), max_length=16, choices=AssetStatus.choices, default=AssetStatus.IN_USE)
    location = models.CharField(_("存放地点"), max_length=100, blank=True)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("保管人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("使用部门"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        ordering = ["number"]
        verbose_name = _("设备")
        verbose_name_plural = _("设备")
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="resources_asset_unique_number"),
            models.CheckConstraint(condition=Q(value__gte=0), name="resources_asset_value_not_negative"),
            models.CheckConstraint(condition=Q(service_years__gte=1), name="resources_asset_service_years"),
        ]
        indexes = [models.Index(fields=["unit", "department"], name="resources_asset_department")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class AssetTransfer(models.Model):
    """调拨: a change of keeper and/or department, kept as the asset's history."""

    asset = models.ForeignKey(Asset, verbose_name=_("设备"), on_delete=models.CASCADE, related_name="transfers")
    from_department = models.ForeignKey(
        "org.Department", verbose_name=_("原部门"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_department = models.ForeignKey(
        "org.Department", verbose_name=_("新部门"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("原保管人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("新保管人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_location = models.CharField(_("原地点"), max_length=100, blank=True)
    to_location = models.CharField(_("新地点"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    moved_at = models.DateTimeField(_("调拨时间"), default=timezone.now)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-moved_at", "-id"]
        verbose_name = _("调拨记录")
        verbose_name_plural = _("调拨记录")

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.moved_at:%Y-%m-%d}"


class AssetRepair(models.Model):
    """维修记录 with its cost; the sum of an asset's repairs feeds the renewal rule on repair cost."""

    asset = models.ForeignKey(Asset, verbose_name=_("设备"), on_delete=models.CASCADE, related_name="repairs")
    repaired_on = models.DateField(_("维修日期"))
    description = models.CharField(_("维修内容"), max_length=200)
    cost = models.DecimalField(_("费用"), max_digits=10, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        ordering = ["-repaired_on", "-id"]
        verbose_name = _("维修记录")
        verbose_name_plural = _("维修记录")
        constraints = [models.CheckConstraint(condition=Q(cost__gte=0), name="resources_repair_cost_not_negative")]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.repaired_on}"


class RenewalRule(models.Model):
    """更新规则 of a unit, edited by the office: which reasons put an asset on the renewal plan. ``by_age``: its age
    reaches its service life by the plan's year end; ``by_condition``: its condition is 较差; ``repair_share``: its
    repairs cost more than this percentage of its value (empty: the rule is off)."""

    unit = models.OneToOneField("org.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+")
    by_age = models.BooleanField(_("达到使用年限"), default=True)
    by_condition = models.BooleanField(_("状况较差"), default=True)
    repair_share = models.PositiveSmallIntegerField(_("累计维修费超过原值的百分比"), null=True, blank=True, default=50)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("更新规则")
        verbose_name_plural = _("更新规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(repair_share__isnull=True) | Q(repair_share__gte=1, repair_share__lte=1000),
                name="resources_renewal_share_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}"


# --- 办公用品 ----------------------------------------------------------------------------------------------


class Store(models.Model):
    """库房: where supplies are kept; its ``keeper`` issues them and is told when stock runs low."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("库管员"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("库房")
        verbose_name_plural = _("库房")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="resources_store_unique_name")]

    def __str__(self) -> str:
        return self.name


class SupplyItem(models.Model):
    """办公用品: ``needs_approval`` items go through the department head (flow ``supply-request``); the others are
    issued on request."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    measure = models.CharField(_("单位"), max_length=10, default="个")
    needs_approval = models.BooleanField(_("需审批"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("办公用品")
        verbose_name_plural = _("办公用品")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="resources_supply_unique_name")]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """库存 of one item in one store; never below zero (a database constraint, and every issue is a conditional
    update). At or below ``low_mark`` the store's keeper is told."""

    store = models.ForeignKey(Store, verbose_name=_("库房"), on_delete=models.PROTECT, related_name="stocks")
    item = models.ForeignKey(SupplyItem, verbose_name=_("用品"), on_delete=models.PROTECT, related_name="stocks")
    quantity = models.IntegerField(_("数量"), default=0)
    low_mark = models.PositiveIntegerField(_("预警数量"), default=0)

    class Meta:
        ordering = ["store", "item__name"]
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.UniqueConstraint(fields=["store", "item"], name="resources_stock_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="resources_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.item_id}"


class SupplyStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    RETURNED = "returned", _("已退回")
    READY = "ready", _("待发放")
    ISSUED = "issued", pgettext_lazy("supplies", "已发放")


class SupplyRequest(FlowRequest):
    """领用申请: lines of items from one store for a department."""

    department = models.ForeignKey(
        "org.Department", verbose_name=_("领用部门"), on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey(Store, verbose_name=_("库房"), on_delete=models.PROTECT, related_name="requests")
    note = models.CharField(_("用途"), max_length=200, blank=True)
    status = status_field(SupplyStatus, SupplyStatus.READY)
    issued_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("领用申请")
        verbose_name_plural = _("领用申请")

    def __str__(self) -> str:
        return f"{self.pk}"


class SupplyLine(models.Model):
    request = models.ForeignKey(SupplyRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(SupplyItem, verbose_name=_("用品"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("领用明细")
        verbose_name_plural = _("领用明细")
        constraints = [
            models.UniqueConstraint(fields=["request", "item"], name="resources_supplyline_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="resources_supplyline_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.item_id}"
