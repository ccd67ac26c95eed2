"""Bench-only settings for ``bench/web.py``: the product's settings, with the timing middleware outermost and a
URLconf that adds the bare view. Never used by the product."""

from sanfu.config.settings import *  # noqa: F403
from sanfu.config.settings import MIDDLEWARE

MIDDLEWARE = ["web_timing.ServerTimingMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "web_urls"
