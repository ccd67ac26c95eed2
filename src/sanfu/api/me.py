"""``/api/v1/me``: who the token acts as, and what it may do."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from sanfu.api.kit import actor, answers, auth, token_of

router = Router(tags=["令牌"])


class MeOut(Schema):
    user_id: int
    username: str
    name: str
    token: str
    scopes: list[str]
    expires_at: datetime


@router.get("", response=answers(MeOut), auth=auth(""), summary="令牌所代表的人及其权限范围")
def me(request: HttpRequest) -> MeOut:
    person = actor(request)
    token = token_of(request)
    assert token is not None
    return MeOut(
        user_id=person.pk,
        username=person.username,
        name=person.full_name or person.username,
        token=token.prefix,
        scopes=list(token.scopes),
        expires_at=token.expires_at,
    )
