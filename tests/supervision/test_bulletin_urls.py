"""The site's URLs with the reports' (``supervision.views_reports``) under ``supervision/`` — for the tests
until ``supervision/urls.py`` includes them; once it does, nothing is added twice. No tests here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from sanfu.config import urls as root
from sanfu.supervision import urls as supervision_urls
from sanfu.supervision import views_reports

_known = {getattr(p, "name", None) for p in supervision_urls.urlpatterns}
_patterns = [*supervision_urls.urlpatterns, *(p for p in views_reports.urlpatterns if p.name not in _known)]

urlpatterns: list[URLPattern | URLResolver] = [
    path("supervision/", include((_patterns, "supervision")))
    if isinstance(p, URLResolver) and str(p.pattern) == "supervision/"
    else p
    for p in root.urlpatterns
]
