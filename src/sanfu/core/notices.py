"""一次性告知 (the one-time notification of a matter) for apps that may not import the 审批中心.

The 审批中心 (approvals) keeps the matter catalogue: each matter's materials list with its standards and the form
fields that must be filled. The one-stop window (servicedesk) shows the same notice for a service that names a
matter, and checks the materials it registers against the same rules. Approvals provides them in its
``AppConfig.ready()`` with ``provide(provider)``; readers ask ``notice(code)`` and ``check(code, uploads)``. With no
provider (or an unknown or inactive code) the notice is None and nothing is checked, so a lower app works alone."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol


class NoticeProvider(Protocol):
    def notice(self, code: str) -> dict[str, Any] | None:
        """The matter ``code``'s notice: ``{"code", "name", "description", "promised_days", "materials": [{"code",
        "name", "required", "formats", "standard", "copies", "signer"}], "required_fields": [{"name", "label"}]}``;
        None for a matter that does not exist or is not active."""
        ...

    def check(
        self, code: str, uploads: Mapping[str, Sequence[Any]], on_file: Collection[str] = ()
    ) -> list[dict[str, Any]]:
        """Every problem with the materials of ``code`` (files in ``uploads`` by material code; ``on_file``: the
        material codes already presented on paper): ``[{"field": material code, "label": name, "message"}]``."""
        ...


_PROVIDER: list[NoticeProvider] = []


def provide(provider: NoticeProvider) -> None:
    """Register (or replace, on a second ``ready()``) the provider of matters' notices."""
    _PROVIDER[:] = [provider]


def notice(code: str) -> dict[str, Any] | None:
    if not code or not _PROVIDER:
        return None
    return _PROVIDER[0].notice(code)


def check(code: str, uploads: Mapping[str, Sequence[Any]], on_file: Collection[str] = ()) -> list[dict[str, Any]]:
    if not code or not _PROVIDER:
        return []
    return _PROVIDER[0].check(code, uploads, on_file)
