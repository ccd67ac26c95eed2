"""The other domains' figures of the month, shown beside the efficiency review (流程效能评估): the service
window's complaint rate and ratings, 督办's on-time completion, meetings' no-show rate.

``insights`` may not import another office domain (they are independent), so the figures come through this
registry: the shell (``sanfu.web``, which alone may read every domain, as the 领导驾驶舱 does) registers a
provider in its ``AppConfig.ready()`` that asks each owning domain's own figures, with the reader's rights. A
figure is therefore the figure of the domain's own page, which its ``url`` opens for the month. With no
provider registered the list is empty, and the review works alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sanfu.accounts.models import User


@dataclass(frozen=True)
class Figure:
    """One figure of another domain for the review's month and unit: ``value`` in ``unit`` (None: nothing to
    measure), ``note`` what it counts (投诉 3 件 / 受理 120 件), ``url`` the owning page filtered to the month."""

    key: str
    label: str
    value: float | None
    unit: str
    note: str
    url: str
    source: str  # the owning domain's name (一站式服务, 督办, 办会)


Provider = Callable[[User, int, int, int], list[Figure]]  # (reader, unit id, year, month) → figures

_PROVIDERS: dict[str, Provider] = {}


def provide(name: str, provider: Provider) -> None:
    _PROVIDERS[name] = provider


def figures(*, actor: User, unit_id: int, year: int, month: int) -> list[dict[str, Any]]:
    """Every provider's figures for the reader, as plain data, in the order the providers were registered."""
    found: list[dict[str, Any]] = []
    for provider in _PROVIDERS.values():
        found.extend(asdict(f) for f in provider(actor, unit_id, year, month))
    return found
