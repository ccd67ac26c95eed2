"""Demo 资源共享 (``sanfu demo``): six cars and two drivers of the main unit, car requests in every state (trips
of the last two months with their logs, so the costs page has figures; one dispatched, one waiting for 派车, one at
部门审核, one returned), a store of six supplies with three months of 领用 (one waiting for its head), and ~300
assets across the departments with realistic ages, conditions and repairs, so the
renewal plan has something to say. Everything goes through the services; the assets through the Excel import
(one bulk insert). Idempotent: only on a database where the main unit has no vehicle yet."""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.utils import timezone
from openpyxl import Workbook

from sanfu.accounts.models import User
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.org.models import Department, Staff
from sanfu.resources import flows, services
from sanfu.resources.models import Asset, CarRequest, SupplyRequest, Vehicle, VehicleStatus
from sanfu.resources.services.asset_import import COLUMNS
from sanfu.workflow.models import Task, TaskStatus

VEHICLES = [
    ("桂A·D2601", "红旗 H5", 5, VehicleStatus.IN_SERVICE),
    ("桂A·D2602", "大众 帕萨特", 5, VehicleStatus.IN_SERVICE),
    ("桂A·D2603", "别克 GL8", 7, VehicleStatus.IN_SERVICE),
    ("桂A·D2604", "丰田 考斯特", 19, VehicleStatus.IN_SERVICE),
    ("桂A·D2605", "比亚迪 汉 EV", 5, VehicleStatus.MAINTENANCE),
    ("桂A·D2606", "五菱 宏光", 7, VehicleStatus.RETIRED),
]

TRIPS = [
    # requester, purpose, destination, passengers
    ("staff", "赴电网调度中心汇报检修计划", "区电网调度中心", 3),
    ("finance_head", "赴税务局办理年度汇算", "市税务局", 2),
    ("hr", "赴高校开展招聘宣讲", "广西大学", 4),
    ("secretary", "陪同领导调研一号机组", "一号机组现场", 3),
    ("staff", "送检继电保护装置", "电科院", 2),
    ("finance_head", "赴银行办理票据业务", "工商银行南宁分行", 1),
]

# category, names, value range (yuan), service life (years)
ASSET_KINDS = [
    ("计算机", ["台式计算机", "笔记本电脑", "图形工作站"], (4500, 12000), 6),
    ("打印复印", ["激光打印机", "彩色复印机", "扫描仪"], (1800, 30000), 6),
    ("会议设备", ["投影仪", "视频会议终端", "会议音响"], (3000, 40000), 8),
    ("网络设备", ["交换机", "无线接入点", "防火墙"], (2000, 60000), 8),
    ("办公家具", ["办公桌", "文件柜", "会议桌"], (800, 9000), 15),
    ("空调", ["分体空调", "柜式空调"], (3000, 12000), 10),
]
ASSET_COUNT = 300


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _head_of_step(request: CarRequest | SupplyRequest) -> User | None:
    """Who holds the request's 部门审核 step now (None when the flow skipped it: nobody above the requester)."""
    if request.instance_id is None:  # a 领用申请 of items that need no approval
        return None
    task = (
        Task.objects.filter(instance_id=request.instance_id, node="head", status=TaskStatus.OPEN)
        .select_related("assignee")
        .first()
    )
    return task.assignee if task else None


def _seed_fleet(clerk: User) -> tuple[list[Vehicle], list[Any]]:
    vehicles = [
        services.vehicle_create(
            actor=clerk, data=services.VehicleIn(plate=plate, model=model, seats=seats, status=status)
        )
        for plate, model, seats, status in VEHICLES
    ]
    driver_user = (
        Staff.objects.filter(unit__code=MAIN_UNIT_CODE, user__username="staff")
        .values_list("user_id", flat=True)
        .first()
    )
    drivers = [services.driver_create(actor=clerk, name="黄建国", phone="13707710001")]
    if driver_user is not None:
        drivers.append(services.driver_create(actor=clerk, user_id=driver_user))
    else:
        drivers.append(services.driver_create(actor=clerk, name="韦志强", phone="13707710002"))
    return vehicles, drivers


def _seed_requests(clerk: User, vehicles: list[Vehicle], drivers: list[Any], rng: random.Random) -> int:
    people = {u.username: u for u in User.objects.filter(username__in={t[0] for t in TRIPS})}
    today = timezone.localdate()
    usable = [v for v in vehicles if v.status == VehicleStatus.IN_SERVICE]
    made = 0
    for n, (who, purpose, destination, passengers) in enumerate(TRIPS * 2):
        requester = people.get(who)
        if requester is None:
            continue
        day = today - timedelta(days=5 + n * 4)
        starts_at, ends_at = _at(day, 9), _at(day, 12 + n % 4)
        request = services.car_request_submit(
            actor=requester,
            data=services.CarRequestIn(
                purpose=purpose,
                origin="公司本部",
                destination=destination,
                passengers=passengers,
                starts_at=starts_at,
                ends_at=ends_at,
            ),
            now=starts_at - timedelta(days=1),
        )
        head = _head_of_step(request)
        if head is not None:
            services.car_request_approve(actor=head, request_id=request.pk)
        vehicle = next(v for v in usable if v.seats >= passengers)
        services.car_request_dispatch(
            actor=clerk, request_id=request.pk, vehicle_id=vehicle.pk, driver_id=drivers[n % len(drivers)].pk
        )
        start_km = 20000 + n * 300
        distance = rng.randint(20, 260)
        services.trip_record(
            actor=clerk,
            request_id=request.pk,
            data=services.TripIn(
                odometer_start=start_km,
                odometer_end=start_km + distance,
                fuel_litres=Decimal(distance) / 10,
                fuel_cost=(Decimal(distance) * Decimal("0.75")).quantize(Decimal("0.01")),
                tolls=Decimal(rng.choice([0, 0, 25, 40, 65])),
                parking=Decimal(rng.choice([0, 10, 15])),
                returned_at=ends_at,
            ),
        )
        made += 1
    # the ones still on their way: dispatched, waiting for 派车, at 部门审核, returned
    ahead = today + timedelta(days=2)
    states = [
        ("staff", "赴变电站巡视", "dispatch"),
        ("hr", "接送新员工报到", "approve"),
        ("finance_head", "赴审计局送审材料", "submit"),
        ("secretary", "赴市政府送文件", "return"),
    ]
    for n, (who, purpose, step) in enumerate(states):
        requester = people.get(who)
        if requester is None:
            continue
        request = services.car_request_submit(
            actor=requester,
            data=services.CarRequestIn(
                purpose=purpose,
                origin="公司本部",
                destination="南宁市区",
                passengers=2,
                starts_at=_at(ahead, 9 + 2 * n),
                ends_at=_at(ahead, 10 + 2 * n),
            ),
        )
        made += 1
        head = _head_of_step(request)
        if step == "submit" or head is None:
            continue
        if step == "return":
            services.car_request_return(actor=head, request_id=request.pk, comment="请补充同行人员名单")
            continue
        services.car_request_approve(actor=head, request_id=request.pk)
        if step == "dispatch":
            services.car_request_dispatch(
                actor=clerk, request_id=request.pk, vehicle_id=usable[0].pk, driver_id=drivers[0].pk
            )
    return made


def _asset_workbook(rng: random.Random) -> bytes:
    departments = list(
        Department.objects.filter(unit__code=MAIN_UNIT_CODE, is_active=True).values_list("name", flat=True)
    )
    keepers = list(Staff.objects.filter(unit__code=MAIN_UNIT_CODE).values_list("user__username", flat=True)[:120])
    today = timezone.localdate()
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for n in range(1, ASSET_COUNT + 1):
        category, names, (low, high), life = rng.choice(ASSET_KINDS)
        age_days = rng.randint(60, 365 * (life + 3))
        bought = today - timedelta(days=age_days)
        worn = age_days / (365 * life)
        condition = "较差" if worn > 1.1 and rng.random() < 0.5 else ("一般" if worn > 0.6 else "良好")
        sheet.append(
            [
                f"ZC-{bought.year}-{n:04d}",
                rng.choice(names),
                category,
                bought,
                rng.randrange(low, high, 100),
                life,
                condition,
                f"办公楼 {rng.randint(1, 6)}{rng.randint(1, 20):02d}",
                rng.choice(departments) if departments else "",
                rng.choice(keepers) if keepers and rng.random() < 0.8 else "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _seed_assets(clerk: User, rng: random.Random) -> int:
    created = services.asset_import(actor=clerk, content=_asset_workbook(rng)).created
    # repairs on some: a few add up to more than half the value
    today = timezone.localdate()
    for asset in Asset.objects.filter(unit__code=MAIN_UNIT_CODE).order_by("pk")[::25]:
        days = max(1, (today - asset.purchase_date).days)
        for share in (Decimal("0.2"), Decimal("0.35")):
            services.asset_repair(
                actor=clerk,
                asset_id=asset.pk,
                repaired_on=asset.purchase_date + timedelta(days=rng.randint(0, days - 1)),
                description=rng.choice(["更换主板", "更换电源", "维修更换部件", "清洗保养"]),
                cost=(asset.value * share).quantize(Decimal("0.01")),
            )
    return created


SUPPLIES = [
    # name, measure, needs approval, stock, warning mark
    ("A4 复印纸", "包", False, 200, 40),
    ("签字笔", "支", False, 300, 50),
    ("笔记本", "本", False, 120, 20),
    ("文件盒", "个", False, 80, 15),
    ("硒鼓", "个", True, 12, 3),
    ("移动硬盘", "个", True, 6, 2),
]


def _seed_supplies(clerk: User, rng: random.Random) -> int:
    keeper = User.objects.filter(username="clerk2").first() or clerk
    store = services.store_create(actor=clerk, name="办公楼一层库房", keeper_id=keeper.pk)
    items = []
    for name, measure, approval, quantity, mark in SUPPLIES:
        item = services.item_create(actor=clerk, name=name, measure=measure, needs_approval=approval)
        services.stock_receive(actor=clerk, store_id=store.pk, item_id=item.pk, quantity=quantity, low_mark=mark)
        items.append(item)
    people = list(User.objects.filter(username__in=["staff", "hr", "secretary", "finance_head", "office_head"]))
    now = timezone.now()
    made = 0
    for n in range(12):
        person = people[n % len(people)] if people else clerk
        picked = rng.sample(items[:4], 2) if n % 4 and n != 11 else [items[0], items[4]]
        request = services.supply_request_submit(
            actor=person,
            store_id=store.pk,
            lines=[services.LineIn(item.pk, rng.randint(1, 5)) for item in picked],
            note="日常办公",
            now=now - timedelta(days=60 - n * 5),
        )
        asked = request.created_at
        made += 1
        head = _head_of_step(request)
        if head is not None:
            if n == 11:
                continue  # one left waiting for the head
            services.supply_request_approve(actor=head, request_id=request.pk)
        if n < 10:
            services.supply_request_issue(actor=keeper, request_id=request.pk, now=asked + timedelta(hours=2))
    return made


def seed_resources(*, stdout: TextIO | Any = None) -> int:
    """Returns how many requests and assets were made (0 when they exist already or the demo org is missing)."""
    clerk = User.objects.filter(username="clerk").first()
    if clerk is None or Vehicle.objects.filter(unit__code=MAIN_UNIT_CODE).exists():
        return 0
    flows.publish_definitions()
    rng = random.Random(2026)  # demo data, not security
    vehicles, drivers = _seed_fleet(clerk)
    requests = _seed_requests(clerk, vehicles, drivers, rng)
    assets = _seed_assets(clerk, rng)
    supplies = _seed_supplies(clerk, rng)
    if stdout is not None:
        stdout.write(f"资源共享：{len(vehicles)} 辆车、{requests} 个用车申请、{assets} 台设备、{supplies} 个领用申请\n")
    return requests + assets + supplies
