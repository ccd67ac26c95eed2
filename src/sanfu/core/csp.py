"""Content-Security-Policy on every response (security issue, hole 11; DI-1).

Scripts come only from Sanfu's own static files: templates carry no inline ``<script>`` and no ``on…=``
attributes, so ``script-src`` has no ``'unsafe-inline'``; behaviours the templates ask for are data attributes
that ``web/static/sanfu/sanfu.js`` reads. ``'unsafe-eval'`` stays because Alpine.js's standard build and
htmx's trigger filters compile expressions with ``new Function``; docs/security.md says why and what that
leaves open. Styles may be inline (``style=`` attributes, htmx's indicator style, the print sheets).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"

DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-eval'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",  # a drawn signature is a data: URL
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
    "frame-src": "'self'",  # the 审批中心 previews a request's PDFs in an <iframe>
}

POLICY = "; ".join(f"{name} {value}" for name, value in DIRECTIVES.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that does not carry one of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = POLICY
        return response
