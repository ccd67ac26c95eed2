"""Which page shows an instance: the registry of subjects (what a process is about).

A domain whose processes have a page of their own (a 公文's, a meeting's) registers its definition-key
prefix and a function that maps instance ids to page URLs, in its ``AppConfig.ready()``. The inbox and the
notification links ask here, so they open the domain's page without importing the domain; instances of no
registered subject open the 审批中心's instance page. A subject may carry a ``label``: the words of the link from
the generic instance page to its own page (到收文页面办理), translated when shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanfu.workflow.models import Instance

PageFinder = Callable[[Sequence[int]], dict[int, str]]


@dataclass(frozen=True)
class Subject:
    prefix: str  # definition keys that start with it belong to the subject, e.g. "doc-"
    pages: PageFinder  # instance ids → the URL of the page that shows each (ids it does not know are left out)
    label: str | Promise | None = None  # the link's words (lazily translated), e.g. 到收文页面办理


_SUBJECTS: dict[str, Subject] = {}
DEFAULT_LABEL = _("到业务页面办理")  # a subject registered without a label of its own


def register(*, prefix: str, pages: PageFinder, label: str | Promise | None = None) -> None:
    """Claim the definition keys that start with ``prefix`` (registering again replaces the finder and the
    label). ``label``: the words of the link to the subject's page; pass ``gettext_lazy`` text, so that each
    reader sees it in their own language."""
    _SUBJECTS[prefix] = Subject(prefix, pages, label)


def subject_of(definition_key: str) -> Subject | None:
    return next((s for p, s in _SUBJECTS.items() if definition_key.startswith(p)), None)


def label_of(definition_key: str) -> str:
    """The words of the link to the page of the subject that claims ``definition_key``, in the active
    language (the generic words when the subject has no label, or no subject claims the key)."""
    subject = subject_of(definition_key)
    return str(subject.label if subject is not None and subject.label is not None else DEFAULT_LABEL)


def pages_of(instances: Iterable[tuple[int, str]]) -> dict[int, str]:
    """The domain page of each (instance id, definition key) that a registered subject shows, with one call
    per subject (a list page asks once for all its rows)."""
    wanted: dict[str, list[int]] = {}
    for instance_id, key in instances:
        subject = subject_of(key)
        if subject is not None:
            wanted.setdefault(subject.prefix, []).append(instance_id)
    pages: dict[int, str] = {}
    for prefix, ids in wanted.items():
        pages.update(_SUBJECTS[prefix].pages(ids))
    return pages


def page_of(instance_id: int) -> str | None:
    """The domain page of one instance (a notification link), or None when no subject shows it."""
    key = Instance.objects.filter(pk=instance_id).values_list("definition__key", flat=True).first()
    return pages_of([(instance_id, key)]).get(instance_id) if key else None
