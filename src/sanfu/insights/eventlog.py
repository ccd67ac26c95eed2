"""The event log for analysts' tools (pm4py, ProM, Celonis): a unit's instances submitted within a range of
months, as XES (IEEE 1849-2016) or OCEL 2.0 (its JSON format), written as a stream of text pieces — the
instances are read in batches and their events batch by batch, so the whole log is never in memory.

Only the instances the reader may open are written (``workflow.selectors.visible_instances``, as the review's
drill-down lists them), and of each only what the process's own history shows: the matter, its version and
outcome, each event's node, kind, time and person. No title, no form, no comment leaves.

An event's activity is its node's name and what happened there (``审核·同意``; events without a node, such as
the submission, are named by what happened: ``提交申请``); its ``lifecycle:transition`` follows the XES
standard lifecycle model: a node reached is ``schedule``, a task opened to its holder ``assign``, a skipped
node ``autoskip``, a withdrawn or cancelled instance ``pi_abort``, everything else ``complete``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import quoteattr  # nosec B406 - escapes the XES values it writes; nothing is parsed

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError
from sanfu.insights import compare, selectors
from sanfu.insights.facts import Month
from sanfu.workflow.models import InstanceEvent, InstanceStatus, ProcessDefinition
from sanfu.workflow.selectors import visible_instances
from sanfu.workflow.timeline import EVENT_LABELS

BATCH = 500  # instances per read
TRANSITIONS = {
    "node_entered": "schedule",
    "tasks_opened": "assign",
    "node_skipped": "autoskip",
    "admin_skipped": "autoskip",
    "withdrawn": "pi_abort",
    "cancelled": "pi_abort",
}
XES_EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)


@dataclass(frozen=True)
class Case:
    instance: int
    matter: str
    matter_name: str
    version: int
    status: str
    initiator: int | None
    created: datetime


@dataclass(frozen=True)
class Step:
    event: int
    instance: int
    activity: str
    kind: str
    transition: str
    node: str
    at: datetime
    actor: int | None


def cases(*, actor: User, unit_id: int, first: Month, last: Month) -> Iterator[list[Case]]:
    """The reader's visible instances of ``unit_id`` submitted from ``first`` to ``last`` (drafts left out),
    in batches of ``BATCH``, oldest first."""
    rows = (
        visible_instances(actor)
        .filter(unit_id=unit_id, created_at__gte=first.starts(), created_at__lt=last.ends())
        .exclude(status=InstanceStatus.DRAFT)
        .order_by("pk")
        .values_list(
            "pk", "definition__key", "definition__name", "definition__version", "status", "initiator_id", "created_at"
        )
    )
    batch: list[Case] = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(Case(*row))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _node_names(definition_ids: Iterable[int], known: dict[int, dict[str, str]]) -> dict[int, dict[str, str]]:
    """Each definition's node ids → names, read once per export (``known`` holds those read already)."""
    missing = set(definition_ids) - set(known)
    for pk, spec in ProcessDefinition.objects.filter(pk__in=missing).values_list("pk", "spec"):
        # a node without a name (the start and end) adds nothing to what happened there
        known[pk] = {str(n.get("id")): str(n.get("name") or "") for n in spec.get("nodes", [])}
    return known


def steps_of(batch: list[Case], known: dict[int, dict[str, str]]) -> tuple[list[Step], dict[int, str]]:
    """The events of a batch of instances in each instance's order, and the names of the people acting
    (``known``: the node names read so far in this export)."""
    ids = [c.instance for c in batch]
    rows = list(
        InstanceEvent.objects.filter(instance_id__in=ids)
        .order_by("instance_id", "seq")
        .values_list("pk", "instance_id", "instance__definition_id", "type", "node", "at", "actor_id")
    )
    names = _node_names({r[2] for r in rows}, known)
    steps = []
    for pk, instance, definition, kind, node, at, actor_id in rows:
        label = str(EVENT_LABELS.get(kind, kind))
        node_name = names.get(definition, {}).get(node, node) if node else ""
        activity = f"{node_name}·{label}" if node_name else label
        steps.append(Step(pk, instance, activity, kind, TRANSITIONS.get(kind, "complete"), node, at, actor_id))
    people = {s.actor for s in steps if s.actor} | {c.initiator for c in batch if c.initiator}
    return steps, dict(User.objects.filter(pk__in=people).values_list("pk", "full_name"))


def _time(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="milliseconds")


# --- XES ---------------------------------------------------------------------------------------------------


def _attribute(kind: str, key: str, value: Any) -> str:
    return f"<{kind} key={quoteattr(key)} value={quoteattr(str(value))}/>"


def xes(*, actor: User, unit_id: int, first: Month, last: Month, log_name: str) -> Iterator[str]:
    """The log as XES text, piece by piece: one trace per instance (``concept:name`` its number, with the
    matter, version and outcome), its events in order."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">\n'
    for name, prefix, uri in XES_EXTENSIONS:
        yield f"  <extension name={quoteattr(name)} prefix={quoteattr(prefix)} uri={quoteattr(uri)}/>\n"
    yield '  <global scope="trace">' + _attribute("string", "concept:name", "") + "</global>\n"
    yield (
        '  <global scope="event">'
        + _attribute("string", "concept:name", "")
        + '<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>'
        + _attribute("string", "lifecycle:transition", "complete")
        + "</global>\n"
    )
    yield '  <classifier name="Activity" keys="concept:name"/>\n'
    yield '  <classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>\n'
    yield "  " + _attribute("string", "concept:name", log_name) + "\n"
    known: dict[int, dict[str, str]] = {}
    for batch in cases(actor=actor, unit_id=unit_id, first=first, last=last):
        steps, people = steps_of(batch, known)
        by_case: dict[int, list[Step]] = {}
        for step in steps:
            by_case.setdefault(step.instance, []).append(step)
        pieces = []
        for case in batch:
            pieces.append("  <trace>")
            pieces.append(_attribute("string", "concept:name", case.instance))
            pieces.append(_attribute("string", "sanfu:matter", case.matter))
            pieces.append(_attribute("string", "sanfu:matter_name", case.matter_name))
            pieces.append(_attribute("int", "sanfu:version", case.version))
            pieces.append(_attribute("string", "sanfu:status", case.status))
            if case.initiator in people:
                pieces.append(_attribute("string", "sanfu:initiator", people[case.initiator]))
            for step in by_case.get(case.instance, []):
                pieces.append("<event>")
                pieces.append(_attribute("string", "concept:name", step.activity))
                pieces.append(f'<date key="time:timestamp" value={quoteattr(_time(step.at))}/>')
                pieces.append(_attribute("string", "lifecycle:transition", step.transition))
                if step.actor in people:
                    pieces.append(_attribute("string", "org:resource", people[step.actor]))
                pieces.append(_attribute("string", "sanfu:type", step.kind))
                if step.node:
                    pieces.append(_attribute("string", "sanfu:node", step.node))
                pieces.append("</event>")
            pieces.append("</trace>\n")
        yield "".join(pieces)
    yield "</log>\n"


# --- OCEL 2.0 ----------------------------------------------------------------------------------------------

INSTANCE_TYPE = "流程实例"
PERSON_TYPE = "人员"
MATTER_TYPE = "事项类型"
_STRING = "string"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _comma_joined(items: Iterable[str], first: list[bool]) -> Iterator[str]:
    for item in items:
        yield item if first[0] else "," + item
        first[0] = False


def ocel(*, actor: User, unit_id: int, first: Month, last: Month) -> Iterator[str]:
    """The log as OCEL 2.0 JSON, piece by piece. Objects: each instance (``流程实例``: matter, version, status),
    each person acting or starting one (``人员``), each matter (``事项类型``). Events: each event, related to
    its instance (qualifier ``case``) and to the person acting (``resource``). The events come first and
    the declarations last (the JSON's key order carries no meaning), so that the activity names need not
    be known before the events are read."""
    activities: set[str] = set()
    persons: dict[int, str] = {}
    matters: dict[str, str] = {}
    known: dict[int, dict[str, str]] = {}
    yield '{"events":['
    started = [True]
    for batch in cases(actor=actor, unit_id=unit_id, first=first, last=last):
        steps, people = steps_of(batch, known)
        persons.update(people)
        pieces = []
        for step in steps:
            activities.add(step.activity)
            relationships = [{"objectId": f"i{step.instance}", "qualifier": "case"}]
            if step.actor in people:
                relationships.append({"objectId": f"p{step.actor}", "qualifier": "resource"})
            event = {
                "id": f"e{step.event}",
                "type": step.activity,
                "time": _time(step.at),
                "attributes": [
                    {"name": "lifecycle", "value": step.transition},
                    {"name": "node", "value": step.node},
                ],
                "relationships": relationships,
            }
            pieces.append(_json(event))
        yield from _comma_joined(pieces, started)
    yield '],"objects":['
    started = [True]
    for batch in cases(actor=actor, unit_id=unit_id, first=first, last=last):
        pieces = []
        for case in batch:
            matters[case.matter] = case.matter_name
            relationships = [{"objectId": f"m{case.matter}", "qualifier": "matter"}]
            if case.initiator in persons:
                relationships.append({"objectId": f"p{case.initiator}", "qualifier": "initiator"})
            moment = _time(case.created)
            pieces.append(
                _json(
                    {
                        "id": f"i{case.instance}",
                        "type": INSTANCE_TYPE,
                        "attributes": [
                            {"name": "matter", "time": moment, "value": case.matter},
                            {"name": "version", "time": moment, "value": case.version},
                            {"name": "status", "time": moment, "value": case.status},
                        ],
                        "relationships": relationships,
                    }
                )
            )
        yield from _comma_joined(pieces, started)
    epoch = "1970-01-01T00:00:00+00:00"
    yield from _comma_joined(
        (
            _json({"id": f"p{pk}", "type": PERSON_TYPE, "attributes": [{"name": "name", "time": epoch, "value": name}]})
            for pk, name in sorted(persons.items())
        ),
        started,
    )
    yield from _comma_joined(
        (
            _json(
                {"id": f"m{key}", "type": MATTER_TYPE, "attributes": [{"name": "name", "time": epoch, "value": name}]}
            )
            for key, name in sorted(matters.items())
        ),
        started,
    )
    object_types = [
        {
            "name": INSTANCE_TYPE,
            "attributes": [
                {"name": "matter", "type": _STRING},
                {"name": "version", "type": "integer"},
                {"name": "status", "type": _STRING},
            ],
        },
        {"name": PERSON_TYPE, "attributes": [{"name": "name", "type": _STRING}]},
        {"name": MATTER_TYPE, "attributes": [{"name": "name", "type": _STRING}]},
    ]
    event_types = [
        {"name": a, "attributes": [{"name": "lifecycle", "type": _STRING}, {"name": "node", "type": _STRING}]}
        for a in sorted(activities)
    ]
    yield '],"objectTypes":' + _json(object_types) + ',"eventTypes":' + _json(event_types) + "}\n"


# --- the download -------------------------------------------------------------------------------------------

FORMATS = {
    "xes": ("application/xml; charset=utf-8", "xes"),
    "ocel": ("application/json; charset=utf-8", "jsonocel"),
}


def export_range(actor: User, first_text: str, last_text: str) -> tuple[int, Month, Month]:
    """The reader's unit and the months of an export (NotFoundError for anyone who may not read the review)."""
    unit_id = selectors.access_review(actor=actor)
    if not first_text or not last_text:
        raise ApplicationError(_("请填写导出的起止月份。"))
    first, last = selectors.parse_month(first_text), selectors.parse_month(last_text)
    compare.months_between(first, last)
    return unit_id, first, last


def download(actor: User, fmt: str, first_text: str, last_text: str) -> StreamingHttpResponse:
    """The event log as a streamed download; ``ApplicationError`` / ``NotFoundError`` before anything is sent."""
    if fmt not in FORMATS:
        raise ApplicationError(_("导出格式应为 xes 或 ocel。"))
    unit_id, first, last = export_range(actor, first_text, last_text)
    pieces: Iterator[str]
    if fmt == "xes":
        log_name = _("流程事件日志 %(a)s 至 %(b)s") % {"a": first.text, "b": last.text}
        pieces = xes(actor=actor, unit_id=unit_id, first=first, last=last, log_name=log_name)
    else:
        pieces = ocel(actor=actor, unit_id=unit_id, first=first, last=last)
    content_type, extension = FORMATS[fmt]
    response = StreamingHttpResponse((p.encode() for p in pieces), content_type=content_type)
    name = _("流程事件日志_%(a)s_%(b)s.%(ext)s") % {"a": first.text, "b": last.text, "ext": extension}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    return response
