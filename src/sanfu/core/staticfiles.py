"""Static files served by the app server (WhiteNoise), for `make run` and a single server without nginx.

WhiteNoise warns when ``STATIC_ROOT`` does not exist yet; with ``WHITENOISE_USE_FINDERS`` the files are found in
the apps' and npm's folders anyway, so a missing collected folder is no reason to warn (tests, a fresh checkout).
"""

from __future__ import annotations

import os
from typing import Any

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):  # whitenoise ships no type information (Any to mypy)
    def add_files(self, root: str, prefix: str | None = None) -> Any:
        if self.autorefresh or os.path.isdir(root):
            return super().add_files(root, prefix)
        return None
