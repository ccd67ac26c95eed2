"""``/api/v1/webhooks``: a token's holder subscribes endpoints to the flow's events, rotates their signing
secrets, reads the delivery log and replays a delivery — the same services as the page 接口令牌 → 事件推送."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from sanfu.api import scopes, webhooks
from sanfu.api.kit import Page, PageQuery, actor, answers, auth, page_of
from sanfu.api.models import WebhookDelivery, WebhookSubscription

MANAGE = scopes.declare("webhooks:manage", gettext_lazy("事件推送：订阅、轮换签名密钥、查看推送记录、重发"))

router = Router(tags=["事件推送"])


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


class EventTypeOut(Schema):
    type: str
    label: str


class SubscriptionIn(StrictIn):
    url: str = Field(..., max_length=500, description="接收地址（公网须 https://）")
    event_types: list[str] = Field(..., min_length=1, max_length=len(webhooks.EVENT_TYPES))
    allow_private: bool = Field(False, description="允许内网地址：只有系统管理员可以开启")


class SubscriptionOut(Schema):
    id: int
    url: str
    event_types: list[str]
    active: bool
    disabled_reason: str
    allow_private: bool
    created_at: datetime
    previous_secret_until: datetime | None = None


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(..., description="签名密钥（whsec_…），只返回这一次")


class RotateIn(StrictIn):
    grace_hours: int = Field(24, ge=0, le=168, description="旧密钥继续并行签名的小时数；0 为立即作废")


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_id: str
    event_type: str
    status: str
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_status: int | None = None
    last_error: str
    delivered_at: datetime | None = None


def _subscription(row: WebhookSubscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=row.pk,
        url=row.url,
        event_types=list(row.event_types),
        active=row.active,
        disabled_reason=row.disabled_reason,
        allow_private=row.allow_private,
        created_at=row.created_at,
        previous_secret_until=row.previous_secret_until,
    )


def _delivery(row: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=row.pk,
        subscription_id=row.subscription_id,
        event_id=row.event_id,
        event_type=row.event_type,
        status=row.status,
        created_at=row.created_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_status=row.last_status,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )


@router.get("/event-types", response=answers(list[EventTypeOut]), auth=auth(MANAGE), summary="可订阅的事件类型")
def event_types(request: HttpRequest) -> list[EventTypeOut]:
    return [EventTypeOut(type=code, label=str(label)) for code, label in webhooks.EVENT_TYPES.items()]


@router.get("/subscriptions", response=answers(Page[SubscriptionOut]), auth=auth(MANAGE), summary="我的订阅")
def subscriptions(request: HttpRequest, paging: Query[PageQuery]) -> Page[SubscriptionOut]:
    rows, following = page_of(webhooks.visible_subscriptions(actor(request)), cursor=paging.cursor, limit=paging.limit)
    return Page[SubscriptionOut](items=[_subscription(r) for r in rows], next_cursor=following)


@router.post(
    "/subscriptions",
    response=answers(SubscriptionCreatedOut, status=201),
    auth=auth(MANAGE),
    summary="订阅",
    operation_id="webhooks_subscription_create",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "read": {
                        "operationId": "webhooks_subscription_detail",
                        "parameters": {"subscription_id": "$response.body#/id"},
                        "description": "查看这个订阅",
                    },
                    "rotate": {
                        "operationId": "webhooks_subscription_rotate",
                        "parameters": {"subscription_id": "$response.body#/id"},
                        "description": "轮换签名密钥",
                    },
                    "delete": {
                        "operationId": "webhooks_subscription_delete",
                        "parameters": {"subscription_id": "$response.body#/id"},
                        "description": "取消订阅",
                    },
                }
            }
        }
    },
)
def subscribe(request: HttpRequest, body: SubscriptionIn) -> Status[SubscriptionCreatedOut]:
    """签名密钥只在此返回一次。内网、本机地址须由系统管理员在网页上开启“允许内网地址”。"""
    row, secret = webhooks.subscription_create(
        actor=actor(request), url=body.url, event_types=body.event_types, allow_private=body.allow_private
    )
    return Status(201, SubscriptionCreatedOut(**_subscription(row).dict(), secret=secret))


@router.get(
    "/subscriptions/{subscription_id}",
    response=answers(SubscriptionOut),
    auth=auth(MANAGE),
    summary="一个订阅",
    operation_id="webhooks_subscription_detail",
)
def subscription(request: HttpRequest, subscription_id: int) -> SubscriptionOut:
    return _subscription(webhooks.access_subscription(actor=actor(request), subscription_id=subscription_id))


@router.delete(
    "/subscriptions/{subscription_id}",
    response=answers(None, status=204),
    auth=auth(MANAGE),
    summary="取消订阅",
    operation_id="webhooks_subscription_delete",
)
def unsubscribe(request: HttpRequest, subscription_id: int) -> Status[None]:
    webhooks.subscription_delete(actor=actor(request), subscription_id=subscription_id)
    return Status(204, None)


@router.post(
    "/subscriptions/{subscription_id}/rotate",
    response=answers(SubscriptionCreatedOut),
    auth=auth(MANAGE),
    summary="轮换签名密钥",
    operation_id="webhooks_subscription_rotate",
)
def rotate(request: HttpRequest, subscription_id: int, body: RotateIn) -> SubscriptionCreatedOut:
    """新密钥只在此返回一次；过渡期内每次推送同时带新旧两个签名。"""
    row, secret = webhooks.subscription_rotate_secret(
        actor=actor(request), subscription_id=subscription_id, grace=timedelta(hours=body.grace_hours)
    )
    return SubscriptionCreatedOut(**_subscription(row).dict(), secret=secret)


@router.post(
    "/subscriptions/{subscription_id}/enable",
    response=answers(SubscriptionOut),
    auth=auth(MANAGE),
    summary="重新启用（如接收方曾答复 410）",
)
def enable(request: HttpRequest, subscription_id: int) -> SubscriptionOut:
    return _subscription(webhooks.subscription_enable(actor=actor(request), subscription_id=subscription_id))


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    response=answers(Page[DeliveryOut]),
    auth=auth(MANAGE),
    summary="推送记录",
)
def deliveries(request: HttpRequest, subscription_id: int, paging: Query[PageQuery]) -> Page[DeliveryOut]:
    row = webhooks.access_subscription(actor=actor(request), subscription_id=subscription_id)
    rows, following = page_of(webhooks.deliveries_of(row), cursor=paging.cursor, limit=paging.limit)
    return Page[DeliveryOut](items=[_delivery(r) for r in rows], next_cursor=following)


@router.post(
    "/deliveries/{delivery_id}/replay", response=answers(DeliveryOut), auth=auth(MANAGE), summary="重发一次推送"
)
def replay(request: HttpRequest, delivery_id: int) -> DeliveryOut:
    """同一 webhook-id、同一内容，新的时间戳和签名。"""
    return _delivery(webhooks.delivery_replay(actor=actor(request), delivery_id=delivery_id))
