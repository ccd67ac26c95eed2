from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from sanfu.core.requests import AuthedHttpRequest
from sanfu.org.selectors import delegations_of


@require_GET
def home(request: AuthedHttpRequest) -> HttpResponse:
    """我的待办: the home page is the inbox's to-do tab, with the delegations in force on the side."""
    from sanfu.approvals.views_inbox import render_inbox  # the inbox lives with the 审批中心

    return render_inbox(request, "todo", {"delegations": delegations_of(request.user, at=timezone.now())})
