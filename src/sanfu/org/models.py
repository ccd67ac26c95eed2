"""The organisation: units, their department trees, positions, staff and their posts, delegation,
and the working calendar's overrides."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.models import User
from sanfu.core.crypto import EncryptedTextField
from sanfu.org.pinyin import KEY_MAX_LENGTH, name_keys


class Rank(models.IntegerChoices):
    """职级, from junior to senior; 逐级 approval can stop at a given rank."""

    STAFF = 10, _("员工")
    SUPERVISOR = 20, _("主管")
    DEPUTY_HEAD = 30, _("部门副职")
    HEAD = 40, _("部门正职")
    DEPUTY_LEADER = 50, _("公司副职")
    LEADER = 60, _("公司正职")


class Unit(models.Model):
    """A legal or reporting unit: 集团 → 二级单位 → 三级单位."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("层级"), default=1)
    sort = models.IntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["level", "sort", "id"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department in a unit's tree. ``path`` ("/1/4/9/") makes subtree queries one indexed LIKE."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="departments")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级部门"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("层级"), default=1, editable=False)
    sort = models.IntegerField(_("排序"), default=0)
    leader_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分管领导"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="departments_in_charge",
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["unit_id", "depth", "sort", "id"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="department_code_unique_in_unit")]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    """岗位 within a unit (主任, 专责, 秘书 …)."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="positions")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        ordering = ["unit_id", "code"]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="position_code_unique_in_unit")]

    def __str__(self) -> str:
        return self.name


# --- The mobile's blind index ---------------------------------------------------------------------------------
# The mobile is encrypted with a fresh nonce each time, so the database cannot compare it. To find a person by a
# full mobile number, each row keeps a keyed HMAC-SHA256 of the number's normalised digits: equal numbers give
# equal indexes, but the index reveals nothing without the key (a dump cannot be brute-forced over the ~10^10
# mobiles as a plain hash could). The key is derived from SANFU_FIELD_KEY (HKDF, an info of its own, so it is not
# the encryption key); a search asks for the index under every configured key, so a row written before a key
# was added in front is still found until it is saved again.

_NOT_DIGITS = re.compile(r"\D")
MOBILE_INDEX_INFO = b"sanfu-org-staff-mobile-blind-index"


def mobile_digits(value: str) -> str:
    """The digits of a mobile number as people write it ("+86 138-0013-8000" → "13800138000"): separators
    dropped, the country code 86 (with + or 00) taken off an 11-digit number."""
    digits = _NOT_DIGITS.sub("", value or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


def is_full_mobile(digits: str) -> bool:
    """A whole mainland mobile number (11 digits, starting with 1): the only thing the index is asked for."""
    return len(digits) == 11 and digits.startswith("1")


@functools.lru_cache(maxsize=4)
def _index_keys(configured: str) -> tuple[bytes, ...]:
    secrets = configured.replace(",", " ").split()
    return tuple(
        HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MOBILE_INDEX_INFO).derive(secret.encode())
        for secret in secrets
    )


def _keys() -> tuple[bytes, ...]:
    return _index_keys(str(getattr(settings, "SANFU_FIELD_KEY", "") or ""))


def _digest(key: bytes, digits: str) -> str:
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


def mobile_index(value: str) -> str:
    """The blind index of a mobile under the newest key; "" for no number."""
    digits = mobile_digits(value)
    return _digest(_keys()[0], digits) if digits else ""


def mobile_index_candidates(digits: str) -> list[str]:
    """The indexes ``digits`` may be stored under (one per configured key, newest first)."""
    return [_digest(key, digits) for key in _keys()] if digits else []


class Staff(models.Model):
    """A person on the staff: their unit, rank and contact details. Their posts say where they work."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账户"), on_delete=models.CASCADE, related_name="staff"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="staff")
    employee_no = models.CharField(_("工号"), max_length=32, unique=True)
    rank = models.PositiveSmallIntegerField(_("职级"), choices=Rank.choices, default=Rank.STAFF)
    # Personal data, encrypted at rest (DI-3); found by a whole number only, through its blind index (above),
    # kept current by ``save`` (and by ``staff_mobile_index_fill`` after bulk inserts).
    mobile = EncryptedTextField(_("手机"), max_length=20, blank=True)
    mobile_index = models.CharField(_("手机索引"), max_length=64, blank=True, db_index=True, editable=False)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    # Where the 通讯录 finds them at work: the room and the desk phone, as the office writes them ("3楼 305",
    # "0571-8765 4321"); not personal data, shown to everyone and searched as typed.
    office = models.CharField(_("办公室"), max_length=64, blank=True)
    office_phone = models.CharField(_("办公电话"), max_length=32, blank=True)
    # The name's pinyin for the person picker ("zhangsan", "zs"; see org.pinyin), kept current on every save
    # of the staff record and, through the receiver below, of the account whose name it spells.
    name_pinyin = models.CharField(_("姓名拼音"), max_length=KEY_MAX_LENGTH, blank=True, editable=False)
    name_initials = models.CharField(_("姓名首字母"), max_length=KEY_MAX_LENGTH, blank=True, editable=False)

    class Meta:
        ordering = ["unit_id", "-rank", "employee_no"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return str(self.user)

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            self.name_pinyin, self.name_initials = name_keys(self.user.display_name)
            self.mobile_index = mobile_index(self.mobile)
        elif "mobile" in update_fields:
            self.mobile_index = mobile_index(self.mobile)
            kwargs["update_fields"] = [*update_fields, "mobile_index"]
        super().save(*args, **kwargs)


def staff_mobile_index_fill(*, rebuild: bool = False) -> int:
    """Fill the blind index of staff rows written without ``save`` (``bulk_create``), or, with ``rebuild``, of
    every row (after a new key is put in front of SANFU_FIELD_KEY). Returns how many rows it wrote."""
    rows = Staff.objects.only("pk", "mobile", "mobile_index")  # the mobile cannot be compared in SQL
    if not rebuild:
        rows = rows.filter(mobile_index="")
    changed = []
    for staff in rows.iterator(chunk_size=2000):
        wanted = mobile_index(staff.mobile)
        if staff.mobile_index != wanted:
            staff.mobile_index = wanted
            changed.append(staff)
    Staff.objects.bulk_update(changed, ["mobile_index"], batch_size=500)
    return len(changed)


@receiver(post_save, sender=User, dispatch_uid="org.staff_name_keys")
def _account_renamed(sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A renamed account re-spells its staff record's pinyin (one UPDATE, and none when nothing changed)."""
    update_fields = kwargs.get("update_fields")
    if raw or created or (update_fields is not None and not {"full_name", "username"} & set(update_fields)):
        return
    full, initials = name_keys(instance.display_name)
    Staff.objects.filter(user_id=instance.pk).exclude(name_pinyin=full, name_initials=initials).update(
        name_pinyin=full, name_initials=initials
    )


class PostRole(models.TextChoices):
    MEMBER = "member", _("成员")
    HEAD = "head", _("负责人")
    DEPUTY = "deputy", _("副职")


class Post(models.Model):
    """A person's place in a department: the primary post, or a concurrent one (兼职)."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="posts")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="posts")
    position = models.ForeignKey(Position, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts")
    role = models.CharField(_("身份"), max_length=16, choices=PostRole.choices, default=PostRole.MEMBER)
    is_primary = models.BooleanField(_("主职"), default=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(fields=["staff"], condition=Q(is_primary=True), name="one_primary_post"),
            models.UniqueConstraint(fields=["staff", "department"], name="one_post_per_department"),
        ]
        indexes = [models.Index(fields=["department", "role"])]

    def __str__(self) -> str:
        return f"{self.staff} @ {self.department}"


class Secretary(models.Model):
    """A secretary (秘书) serving a leader."""

    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("秘书"), on_delete=models.CASCADE, related_name="serves"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("领导"), on_delete=models.CASCADE, related_name="secretaries"
    )

    class Meta:
        verbose_name = _("秘书")
        verbose_name_plural = _("秘书")
        constraints = [
            models.UniqueConstraint(fields=["secretary", "leader"], name="secretary_once_per_leader"),
            models.CheckConstraint(condition=~Q(secretary=F("leader")), name="secretary_is_not_leader"),
        ]

    def __str__(self) -> str:
        return f"{self.secretary} → {self.leader}"


class Delegation(models.Model):
    """委托代理: while active, tasks for ``principal`` go to ``delegate`` (optionally only some matters)."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("委托人"), on_delete=models.CASCADE, related_name="delegations_out"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("被委托人"), on_delete=models.CASCADE, related_name="delegations_in"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    matter_types = models.JSONField(_("限定事项"), default=list, blank=True)  # empty = every matter type
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("委托代理")
        verbose_name_plural = _("委托代理")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=~Q(principal=F("delegate")), name="delegation_not_to_self"),
        ]
        indexes = [models.Index(fields=["principal", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.principal} → {self.delegate}"


class DayKind(models.TextChoices):
    WORKDAY = "workday", _("工作日")
    HOLIDAY = "holiday", _("休息日")


class CalendarDay(models.Model):
    """An administrator's entry in the working calendar; it overrides the statutory calendar for that date."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DayKind.choices)
    note = models.CharField(_("说明"), max_length=64, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
