"""离职交接 / 岗位调整: what names a person, offered by the app that owns it, so that one page lists it all.

Each app that keeps records naming a person (to-dos, delegations, drafts, definitions …) registers a
provider in its ``AppConfig.ready()``: ``list(person)`` returns the items, ``transfer(*, actor, person,
successor, reason)`` hands them to the successor inside the caller's transaction (audited per item by the
provider) and returns how many it moved. The accounts page reads the providers without importing any upper
app, as the navigation and ``core.lookups`` do. A provider without ``transfer`` only lists (the person must
act, or nothing needs moving); an ``optional`` one moves only when the administrator chooses it, and only an
actor holding its ``perm`` may choose it; a required one whose ``perm`` the actor lacks is only listed for
him (another administrator moves it).

Whose work an administrator with a data scope may hand over is the organisation's to say (only it knows
who belongs where): org registers ``scope(actor, perm)``, the people ``actor`` covers under ``perm``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class HandoverItem:
    """One record naming the person. ``key`` is stable (``task:12``) for tests and the audit detail;
    ``note`` says why it is not moved, or what moving it means."""

    key: str
    title: str
    detail: str = ""
    url: str = ""
    note: str = ""


Lister = Callable[[Any], Sequence[HandoverItem]]
Transfer = Callable[..., int]


@dataclass(frozen=True)
class Provider:
    name: str
    label: str | Promise
    list: Lister
    transfer: Transfer | None = None
    order: int = 100
    optional: bool = False
    perm: str = ""
    # What handing over does to these items, in a few words (shown beside the group).
    effect: str | Promise = ""

    @property
    def moves_records(self) -> bool:
        """Whether it can move anything (templates must not touch ``transfer``: they would call it)."""
        return self.transfer is not None


@dataclass
class HandoverGroup:
    """A provider with the items it found for one person."""

    provider: Provider
    items: list[HandoverItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)


_PROVIDERS: dict[str, Provider] = {}
Scope = Callable[[Any, str], Any]  # (actor, perm) -> a Q over accounts
_SCOPE: list[Scope] = []


def register(
    *,
    name: str,
    label: str | Promise,
    list: Lister,  # each provider lists; the registry keeps the word
    transfer: Transfer | None = None,
    order: int = 100,
    optional: bool = False,
    perm: str = "",
    effect: str | Promise = "",
) -> None:
    """Offer the records named ``name``; registering the same name again replaces it (reloads, tests)."""
    _PROVIDERS[name] = Provider(
        name=name,
        label=label,
        list=list,
        transfer=transfer,
        order=order,
        optional=optional,
        perm=perm,
        effect=effect,
    )


def register_scope(scope: Scope) -> None:
    """Say which accounts an actor covers under a permission (the organisation's data scope)."""
    _SCOPE[:] = [scope]


def scope_of(actor: Any, perm: str) -> Any:
    """The Q over accounts that ``actor`` covers under ``perm``; None when nobody registered a scope."""
    return _SCOPE[0](actor, perm) if _SCOPE else None


def unregister(name: str) -> None:
    _PROVIDERS.pop(name, None)


def providers() -> list[Provider]:
    """Every registered provider, in page order."""
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.name))


def provider(name: str) -> Provider | None:
    return _PROVIDERS.get(name)


def groups_of(person: Any) -> list[HandoverGroup]:
    """Everything naming ``person``, grouped by provider (empty groups included, so the page shows zero)."""
    return [HandoverGroup(provider=p, items=[*p.list(person)]) for p in providers()]
