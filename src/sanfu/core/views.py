from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from sanfu.core.requests import AuthedHttpRequest
from sanfu.org.selectors import delegations_of


def home(request: AuthedHttpRequest) -> HttpResponse:
    """我的待办: the home page. Until the flow engine lands it shows delegations in force for this person."""
    context = {
        "delegations": delegations_of(request.user, at=timezone.now()),
        "now": timezone.now(),
    }
    return render(request, "core/home.html", context)
