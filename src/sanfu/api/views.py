"""接口令牌: a person lists, creates and revokes their own API tokens; the secret is shown once, on the page
that created it (never stored, never sent again). 事件推送 (webhooks) beside it: subscriptions, their signing
secrets (shown once too), rotation, the delivery log and replay; the system administrator sets up those of
integration accounts and alone may allow a private address."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sanfu.accounts.middleware import second_factor_required
from sanfu.accounts.permissions import Perm
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.accounts.selectors import has_perm
from sanfu.api import webhooks
from sanfu.api.forms import RotateForm, SubscriptionForm, TokenForm
from sanfu.api.tokens import token_issue, token_revoke, tokens_held_by
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_id


@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: AuthedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = token_issue(
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=list(form.cleaned_data["scopes"]),
                days=form.cleaned_data["days"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("令牌“%(n)s”已创建。") % {"n": token.name})
            form = TokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": tokens_held_by(request.user),
        "now": timezone.now(),
        "refused": second_factor_required(request.user),
        "api_docs": bool(getattr(settings, "SANFU_API_DOCS", False)),
    }
    return render(request, "api/tokens.html", context)


@require_POST
def token_revoke_view(request: AuthedHttpRequest) -> HttpResponse:
    token_id = parse_id(request.POST.get("token"))
    try:
        token = token_revoke(actor=request.user, token_id=token_id or 0)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("令牌“%(n)s”已吊销。") % {"n": token.name})
    return redirect("tokens:list")


# --- 事件推送 (webhooks) ------------------------------------------------------------------------------------

DELIVERIES_SHOWN = 50


def _subscriptions_page(request: AuthedHttpRequest, form: SubscriptionForm, secret: str = "") -> HttpResponse:
    context = {
        "form": form,
        "secret": secret,
        "subscriptions": webhooks.visible_subscriptions(request.user),
        "manages_all": has_perm(request.user, Perm.MANAGE_ACCOUNTS),
    }
    return render(request, "api/webhooks.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def subscription_list(request: AuthedHttpRequest) -> HttpResponse:
    manages_all = has_perm(request.user, Perm.MANAGE_ACCOUNTS)
    form = SubscriptionForm(request.POST or None, manages_all=manages_all)
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = webhooks.subscription_create(
                actor=request.user,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                owner=form.cleaned_data.get("owner"),
                allow_private=bool(form.cleaned_data.get("allow_private")),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已订阅：%(u)s") % {"u": subscription.url})
            return _subscriptions_page(request, SubscriptionForm(manages_all=manages_all), secret)
    return _subscriptions_page(request, form)


def _detail(request: AuthedHttpRequest, subscription_id: int, *, secret: str = "") -> HttpResponse:
    try:
        subscription = webhooks.access_subscription(actor=request.user, subscription_id=subscription_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    context = {
        "subscription": subscription,
        "deliveries": webhooks.deliveries_of(subscription)[:DELIVERIES_SHOWN],
        "rotate_form": RotateForm(),
        "secret": secret,
        "now": timezone.now(),
    }
    return render(request, "api/webhook_detail.html", context)


@never_cache
@require_http_methods(["GET"])
def subscription_detail(request: AuthedHttpRequest, subscription_id: int) -> HttpResponse:
    return _detail(request, subscription_id)


@never_cache
@require_POST
def subscription_rotate_view(request: AuthedHttpRequest, subscription_id: int) -> HttpResponse:
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("过渡期须在 0 到 168 小时之间。"))
        return redirect("tokens:webhook", subscription_id=subscription_id)
    try:
        _subscription, secret = webhooks.subscription_rotate_secret(
            actor=request.user, subscription_id=subscription_id, grace=timedelta(hours=form.cleaned_data["grace_hours"])
        )
    except NotFoundError as exc:  # another person's subscription is not there, as on its page
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("tokens:webhook", subscription_id=subscription_id)
    messages.success(request, _("已生成新的签名密钥。"))
    return _detail(request, subscription_id, secret=secret)


@require_POST
def subscription_enable_view(request: AuthedHttpRequest, subscription_id: int) -> HttpResponse:
    try:
        webhooks.subscription_enable(actor=request.user, subscription_id=subscription_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("订阅已重新启用。"))
    return redirect("tokens:webhook", subscription_id=subscription_id)


@require_POST
def subscription_delete_view(request: AuthedHttpRequest, subscription_id: int) -> HttpResponse:
    try:
        webhooks.subscription_delete(actor=request.user, subscription_id=subscription_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("订阅已取消。"))
    return redirect("tokens:webhooks")


@require_POST
def delivery_replay_view(request: AuthedHttpRequest, delivery_id: int) -> HttpResponse:
    try:
        delivery = webhooks.delivery_replay(actor=request.user, delivery_id=delivery_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("tokens:webhooks")
    messages.success(request, _("已安排重发。"))
    return redirect("tokens:webhook", subscription_id=delivery.subscription_id)
