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

# Pages whose templates still carry inline event handlers, in files other work owns at the moment (view name
# → template). They alone also get ``script-src-attr 'unsafe-inline'``: handler attributes run there, inline
# <script> stays blocked. tests/web/test_csp.py fails once such a template is clean, so the list only
# shrinks; convert the handler to a data attribute of sanfu.js (data-print, data-confirm, data-form-query).
PENDING_INLINE_HANDLERS: dict[str, str] = {
    "approvals:monitor": "approvals/monitor.html",
    "approvals:monitor_instance": "approvals/monitor_instance.html",
    "approvals:monitor_reassign": "approvals/monitor_instance.html",  # a refusal shows the page again
    "approvals:monitor_skip": "approvals/monitor_instance.html",
    "approvals:monitor_restart": "approvals/monitor_instance.html",
    "approvals:monitor_cancel": "approvals/monitor_instance.html",
}


def _render(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


POLICY = _render(DIRECTIVES)
PENDING_POLICY = _render({**DIRECTIVES, "script-src-attr": "'unsafe-inline'"})


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that does not carry one of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            match = request.resolver_match
            pending = match is not None and match.view_name in PENDING_INLINE_HANDLERS
            response[HEADER] = PENDING_POLICY if pending else POLICY
        return response
