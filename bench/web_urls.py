"""Bench-only URLconf: the product's URLs plus ``/bench/bare/``, a bare Django view that runs one query (the
framework's own limit on this server, behind the same middleware). Never used by the product."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from sanfu.accounts.models import User
from sanfu.config import urls as product


def bare(request: HttpRequest) -> HttpResponse:
    name = User.objects.filter(pk=1).values_list("username", flat=True).first()
    return HttpResponse(f"ok {name}", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *product.urlpatterns]
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(product, _name):
        globals()[_name] = getattr(product, _name)
