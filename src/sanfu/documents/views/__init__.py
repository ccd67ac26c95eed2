"""公文 pages, one module per page family, each owning its ``urlpatterns``: ``incoming`` (收文), ``outgoing``
(发文), ``numbers`` (文号登记簿); ``common`` holds what they share."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.documents.views import incoming, numbers, outgoing


def home(request: AuthedHttpRequest) -> HttpResponse:
    return redirect(reverse("documents:incoming_list"))


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    *incoming.urlpatterns,
    *outgoing.urlpatterns,
    *numbers.urlpatterns,
]
