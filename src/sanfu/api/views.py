"""接口令牌: a person lists, creates and revokes their own API tokens; the secret is shown once, on the page
that created it (never stored, never sent again)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sanfu.accounts.middleware import second_factor_required
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.api.forms import TokenForm
from sanfu.api.tokens import token_issue, token_revoke, tokens_held_by
from sanfu.core.errors import ApplicationError
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
