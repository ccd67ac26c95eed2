"""Reads of 公文, scoped by construction through the read rule (``org.clearance``: 密级 × 数据范围 × 知悉范围): a
document is visible to its participants at any 密级; to the office (``org.roles.is_office``) and the
company leaders by level — 公开 everywhere, 内部 in their own unit, 秘密/机密 only with the clearance within its
data scope; to anyone else it does not exist."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm, users_with_role
from sanfu.core.audit import audit_denied
from sanfu.core.errors import NotFoundError
from sanfu.documents.flows import step_name
from sanfu.documents.models import (
    DocumentFile,
    DocumentNumber,
    IncomingDocument,
    IncomingStep,
    Issuance,
    NumberStatus,
    OutgoingDocument,
    OutgoingSignOff,
    StepKind,
)
from sanfu.org import clearance, roles
from sanfu.org.models import Department
from sanfu.org.selectors import staff_of
from sanfu.workflow.models import TODO_KINDS, Instance, InstanceEvent, InstanceStatus, Task, TaskKind, TaskStatus
from sanfu.workflow.selectors import history_of, tasks_of, visible_instance
from sanfu.workflow.timeline import EVENT_LABELS, PERSON_EVENTS, duration_text, system_reason


def has_role(user: User, code: str) -> bool:
    return RoleGrant.objects.filter(user=user, role__code=code).exists()


def sees_all(user: User) -> bool:
    """Who reads 公文 by 密级 (the office and the leaders); everyone else reads only those they take part in."""
    return is_office(user) or has_role(user, "leader") or has_perm(user, Perm.SIGN_DOCUMENTS)


# Where a 公文 keeps what the read rule (org.clearance) reads: its own 密级, and the unit and department its
# flow was marked with at the start (the registrar's for 收文, the drafting department's for 发文).
INCOMING_FIELDS = clearance.Fields(
    level="confidentiality", unit="instance__unit", department="instance__department", owner="registered_by"
)
OUTGOING_FIELDS = clearance.Fields(
    level="confidentiality", unit="instance__unit", department="instance__department", owner="drafter"
)


# Who is the office, who is a leader, which unit a person is in: the organisation's rule (org.roles), one for
# every domain.
is_office = roles.is_office
# Oversight: a process administrator's data scope opens 公开/内部 (秘密/机密 only with the clearance too); the
# clearance (archive.restricted: 公司领导) opens every level within its own scope, as in the archive.
OVERSIGHT = (Perm.MANAGE_PROCESSES, clearance.CLEARANCE)


def _involved_instances(user: User) -> QuerySet[Task, Any]:
    return Task.objects.filter(Q(assignee=user) | Q(on_behalf_of=user)).values("instance_id")


def _rule(user: User, fields: clearance.Fields, known: Q) -> Q | None:
    """The read rule for 公文: need-to-know (the registrar or drafter, everyone on the document's flow, and
    ``known``) at any 密级; the office and the leaders by level (公开 everywhere, 内部 in their own unit); and
    ``OVERSIGHT`` within its data scopes."""
    return clearance.readable_q(user, fields, known=known, by_level=sees_all(user), oversight=OVERSIGHT)


def visible_incoming(user: User) -> QuerySet[IncomingDocument]:
    docs = IncomingDocument.objects.select_related("instance", "duplicate_of", "registered_by")
    rule = _rule(user, INCOMING_FIELDS, Q(instance_id__in=_involved_instances(user)))
    return docs.none() if rule is None else docs.filter(rule)


def visible_outgoing(user: User) -> QuerySet[OutgoingDocument]:
    docs = OutgoingDocument.objects.select_related("instance", "drafter", "department")
    received = Issuance.objects.filter(receiver=user).values("document_id")
    rule = _rule(user, OUTGOING_FIELDS, Q(instance_id__in=_involved_instances(user)) | Q(pk__in=received))
    return docs.none() if rule is None else docs.filter(rule)


def access_incoming(*, actor: User, document_id: int) -> IncomingDocument:
    """The 收文 if the read rule lets ``actor`` see it, else NotFoundError (404). A miss on a document that
    exists is a refusal of the rule, and is audited (AU-1)."""
    document = visible_incoming(actor).filter(pk=document_id).first()
    if document is None:
        if IncomingDocument.objects.filter(pk=document_id).exists():
            audit_denied(actor=actor, target=f"incoming:{document_id}")
        raise NotFoundError("收文不存在。")
    return document


def access_outgoing(*, actor: User, document_id: int) -> OutgoingDocument:
    """The 发文 if the read rule lets ``actor`` see it, else NotFoundError (404); a refusal is audited."""
    document = visible_outgoing(actor).filter(pk=document_id).first()
    if document is None:
        if OutgoingDocument.objects.filter(pk=document_id).exists():
            audit_denied(actor=actor, target=f"outgoing:{document_id}")
        raise NotFoundError("发文不存在。")
    return document


def duplicates_of(source_unit: str, source_number: str, *, exclude: int | None = None) -> list[IncomingDocument]:
    """Documents already registered with the same source unit and their number, in any unit and at any 密级
    (the office's duplicate flag on the document itself). What a person is *shown* of them goes through
    :func:`duplicate_warning`."""
    if not source_unit.strip() or not source_number.strip():
        return []
    found = IncomingDocument.objects.filter(source_unit=source_unit.strip(), source_number=source_number.strip())
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.order_by("id"))


@dataclass
class DuplicateWarning:
    """疑似重复, as one person may see it: the earlier registrations they may read (title, date, link), and how
    many others there are, which the warning counts without naming (the read rule hides them)."""

    readable: list[IncomingDocument]
    hidden: int

    def __bool__(self) -> bool:
        return bool(self.readable or self.hidden)


def duplicate_warning(
    actor: User, source_unit: str, source_number: str, *, exclude: int | None = None
) -> DuplicateWarning:
    """The duplicate warning at 登记 and on the 收文 page, under the read rule: an earlier registration the
    viewer may not read is counted, never named."""
    found = duplicates_of(source_unit, source_number, exclude=exclude)
    if not found:
        return DuplicateWarning([], 0)
    readable = set(visible_incoming(actor).filter(pk__in=[d.pk for d in found]).values_list("pk", flat=True))
    shown = [d for d in found if d.pk in readable]
    return DuplicateWarning(shown, len(found) - len(shown))


def notices_unread(actor: User, instance: Instance | None) -> bool:
    """Whether ``actor`` has a 传阅 / 分发 notice on this flow not yet read (the page offers 标记已阅)."""
    if instance is None:
        return False
    return tasks_of(actor, "cc").filter(instance=instance, status=TaskStatus.UNREAD).exists()


def issuance_unread(actor: User, document: OutgoingDocument) -> bool:
    """Whether ``actor`` received this 发文 (分发) and has not read it yet, on the issuance or on the flow."""
    unread = Issuance.objects.filter(document=document, receiver=actor, read_at__isnull=True).exists()
    return unread or notices_unread(actor, document.instance)


@dataclass
class Holder:
    """Who holds the document now, at which step, since when, and whether it is overdue."""

    node_name: str
    people: list[str]
    since: datetime | None
    due_at: datetime | None
    overdue: bool
    node: str = ""  # the step's node id

    @property
    def held_for(self) -> timedelta | None:
        return timezone.now() - self.since if self.since else None


def _add_holder(groups: dict[str, Holder], task: Task, now: datetime) -> None:
    holder = groups.setdefault(
        task.node, Holder(step_name(task.node_name), [], task.created_at, task.due_at, False, task.node)
    )
    holder.people.append(task.assignee.display_name)
    if task.created_at and (holder.since is None or task.created_at < holder.since):
        holder.since = task.created_at
    if task.overdue or (task.due_at is not None and task.due_at < now):
        holder.overdue = True


def holders_for(instance_ids: Iterable[int | None]) -> dict[int, list[Holder]]:
    """The open tasks of several instances grouped by node, for a whole list page in one query: instance id
    → one entry per step now in hand (an instance with none is absent)."""
    wanted = {pk for pk in instance_ids if pk is not None}
    if not wanted:
        return {}
    now = timezone.now()
    groups: dict[int, dict[str, Holder]] = {}
    tasks = Task.objects.filter(instance_id__in=wanted, status=TaskStatus.OPEN, kind__in=TODO_KINDS)
    for task in tasks.select_related("assignee").order_by("instance_id", "task_no"):
        _add_holder(groups.setdefault(task.instance_id, {}), task, now)
    return {pk: list(by_node.values()) for pk, by_node in groups.items()}


def holders_of(instance: Instance | None) -> list[Holder]:
    """The open tasks of an instance grouped by node (one entry per step now in hand)."""
    if instance is None:
        return []
    return holders_for([instance.pk]).get(instance.pk, [])


@dataclass
class ListRow:
    """One row of a list page: the document, who holds it and whether it is overdue."""

    doc: IncomingDocument | OutgoingDocument
    holders: list[Holder]
    overdue: bool

    @property
    def held_for(self) -> str:
        since = min((h.since for h in self.holders if h.since), default=None)
        return duration_text(timezone.now() - since) if since else ""


def list_rows(documents: Sequence[IncomingDocument | OutgoingDocument]) -> list[ListRow]:
    """The rows of a list page, the holders of every row read at once. A document is overdue when a step
    in hand is past its deadline, or (收文) its own 时限 has passed and it is not archived yet."""
    holders = holders_for(doc.instance_id for doc in documents)
    today = timezone.localdate()
    rows = []
    for doc in documents:
        held = holders.get(doc.instance_id, []) if doc.instance_id else []
        deadline = getattr(doc, "deadline", None)
        late = deadline is not None and deadline < today and doc.archived_at is None
        rows.append(ListRow(doc, held, any(h.overdue for h in held) or late))
    return rows


@dataclass
class StepView:
    """One node of the loop on the detail page: the people there, their status, when they acted."""

    node: str
    name: str
    kind: str
    entered_at: datetime | None
    left_at: datetime | None
    tasks: list[Task]

    @property
    def spent(self) -> timedelta | None:
        if self.entered_at is None:
            return None
        return (self.left_at or timezone.now()) - self.entered_at


def _nodes_of(instance: Instance) -> dict[str, tuple[str, str]]:
    """Node id → (name, kind) from the instance's definition (a node without a name is named by its id, as
    the engine names it); the name in the reader's language."""
    return {
        node["id"]: (step_name(str(node.get("name") or node["id"])), str(node.get("kind", "")))
        for node in instance.definition.spec.get("nodes", [])
    }


ENTERED = {"node_entered", "copied", "filed"}  # a 抄送 / 备案 node is entered and left at once
LEFT = {"node_completed", "node_skipped", "copied", "filed", "returned"}  # "returned": the node sent it back


def loop_of(instance: Instance | None) -> list[StepView]:
    """Every step the instance went through (and the one it is at), in order, with who held it. A step
    entered again (after a return, or a new 传阅 round) shows its latest pass, in the place of that pass."""
    if instance is None:
        return []
    events = InstanceEvent.objects.filter(instance=instance, type__in=sorted(ENTERED | LEFT))
    steps: dict[str, StepView] = {}
    nodes = _nodes_of(instance)
    tasks = list(Task.objects.filter(instance=instance).select_related("assignee").order_by("task_no"))
    for event in events.order_by("seq"):
        if not event.node or event.node in {"start", "end"}:
            continue
        if event.type in ENTERED or event.node not in steps:
            if event.node in steps and steps[event.node].left_at is not None:
                steps.pop(event.node)  # entered again: show the latest pass
            name, kind = nodes.get(event.node, (event.node, ""))
            steps.setdefault(event.node, StepView(event.node, name, kind, event.at, None, []))
        if event.type in LEFT:
            steps[event.node].left_at = event.at
    for task in tasks:
        step = steps.get(task.node)
        if step is not None and (step.entered_at is None or task.created_at >= step.entered_at):
            step.tasks.append(task)
    return list(steps.values())


def open_nodes_of(actor: User, instance: Instance | None) -> list[str]:
    """The steps at which the actor has an open task on this flow (what the page offers them to do)."""
    if instance is None:
        return []
    return list(tasks_of(actor, "todo").filter(instance=instance).values_list("node", flat=True))


@dataclass
class Reading:
    """One reader in one 传阅 round: their notice of this round (read or not), or, when the round's 批示 was
    the same as the one they had, the earlier round whose notice stands for it (``carried_from``)."""

    reader: str
    status: str  # the notice's: "read" or "unread"
    read_at: datetime | None
    carried_from: int | None = None


@dataclass
class Round:
    """第n轮 传阅: the 批示 that opened it and each reader once."""

    no: int
    leader: str
    at: datetime
    readings: list[Reading]


def circulation_rounds(instance: Instance | None, steps: Sequence[IncomingStep]) -> list[Round]:
    """传阅 by round (see ``services.circulation_round`` for who is sent a round): one entry per reader and
    round, from the document's 批示 steps and the flow's 传阅 notices (one query)."""
    if instance is None:
        return []
    notices: dict[int, list[Task]] = {}  # reader → their 传阅 notices, oldest first
    for task in (
        Task.objects.filter(instance=instance, kind=TaskKind.CC, node="circulate")
        .select_related("assignee", "on_behalf_of")
        .order_by("task_no")
    ):
        notices.setdefault(task.on_behalf_of_id or task.assignee_id, []).append(task)
    used: dict[int, int] = {}  # reader → how many of their notices the rounds so far account for
    latest: dict[int, tuple[int, Task]] = {}  # reader → (round, notice) of the latest round they were sent
    rounds = []
    for no, step in enumerate((s for s in steps if s.kind == StepKind.INSTRUCTION), start=1):
        data = step.data or {}
        # a 批示 written before rounds were recorded went to everyone with a notice left
        sent = data["sent"] if "sent" in data else [r for r, tasks in notices.items() if used.get(r, 0) < len(tasks)]
        readings = []
        for reader in map(int, sent):
            tasks, k = notices.get(reader, []), used.get(reader, 0)
            if k >= len(tasks):
                continue  # sent, but the flow found no such person (no longer active)
            task = tasks[k]
            used[reader], latest[reader] = k + 1, (no, task)
            readings.append(Reading(_reader_name(task), task.status, task.acted_at))
        for reader in map(int, data.get("unchanged", [])):
            if reader in latest:
                earlier, task = latest[reader]
                readings.append(Reading(_reader_name(task), task.status, task.acted_at, carried_from=earlier))
        rounds.append(Round(no, step.actor.display_name, step.at, readings))
    return rounds


def _reader_name(task: Task) -> str:
    return (task.on_behalf_of or task.assignee).display_name


@dataclass
class PendingReturn:
    """A 收文 sent back and not yet done again: who returned it from which step, why, and to whom."""

    by: str
    at: datetime
    reason: str
    from_step: str
    to_step: str
    to_people: list[str]


def pending_return(
    document: IncomingDocument, steps: Sequence[IncomingStep], holders: Sequence[Holder]
) -> PendingReturn | None:
    """The latest 退回 of a 收文 while it waits at the step it was sent back to (for the registrar: while the
    flow is returned to them); None once that step is done again, or the document has moved otherwise."""
    last = steps[-1] if steps else None
    instance = document.instance
    if last is None or last.kind != StepKind.RETURN or instance is None:
        return None
    names = {node: name for node, (name, _kind) in _nodes_of(instance).items()}
    target = str(last.data.get("to", ""))
    if target == "registrar":
        if instance.status != InstanceStatus.RETURNED:
            return None
        to_step, people = step_name("登记"), [document.registered_by.display_name]
    else:
        waiting = [h for h in holders if h.node == target]
        if not waiting:
            return None
        to_step, people = waiting[0].node_name, waiting[0].people
    from_step = names.get(str(last.data.get("from", "")), "")
    return PendingReturn(last.actor.display_name, last.at, last.text, from_step, to_step, people)


def return_routes(instance: Instance | None, steps: Sequence[IncomingStep]) -> dict[int, tuple[str, str]]:
    """Each 退回 among the steps → (the step it left, the step it went back to), in the reader's language."""
    if instance is None:
        return {}
    names = {node: name for node, (name, _kind) in _nodes_of(instance).items()}
    names["registrar"] = step_name("登记")
    return {
        s.pk: (names.get(str(s.data.get("from")), ""), names.get(str(s.data.get("to")), ""))
        for s in steps
        if s.kind == StepKind.RETURN
    }


def may_resubmit_incoming(actor: User, document: IncomingDocument) -> bool:
    """重新提交 is the registrar's, while the flow is returned to them."""
    instance = document.instance
    return instance is not None and instance.status == InstanceStatus.RETURNED and instance.initiator_id == actor.pk


def latest_step(steps: Sequence[IncomingStep], kind: str) -> IncomingStep | None:
    return next((s for s in reversed(steps) if s.kind == kind), None)


def departments_for(user: User) -> list[Department]:
    """The active departments of the user's unit (every unit's when they have no staff record)."""
    staff = staff_of(user)
    departments = Department.objects.filter(is_active=True)
    if staff is not None:
        departments = departments.filter(unit_id=staff.unit_id)
    return list(departments.order_by("path"))


def departments_by_ids(ids: Iterable[int]) -> list[Department]:
    return list(Department.objects.filter(pk__in=list(ids)))


def people() -> list[User]:
    """Active staff, for choosing readers (传阅)."""
    return list(User.objects.filter(is_active=True, staff__isnull=False).order_by("full_name")[:600])


def active_users(ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(pk__in=list(ids), is_active=True))


def user_by_id(user_id: int | None) -> User | None:
    return User.objects.filter(pk=user_id).first() if user_id else None


def leaders() -> list[User]:
    return list(users_with_role("leader"))


def distribution_of(steps: list[IncomingStep]) -> tuple[Department | None, list[Department]]:
    """分办 of the latest distribution among the document's steps: (lead department, co-departments)."""
    distribution = next((s for s in reversed(steps) if s.kind == StepKind.DISTRIBUTION), None)
    if distribution is None:
        return None, []
    lead_id, co_ids = distribution.data["lead"], distribution.data.get("co", [])
    found = {d.pk: d for d in Department.objects.filter(pk__in=[*co_ids, lead_id])}
    return found.get(lead_id), [found[i] for i in co_ids if i in found]


def flow_record(instance: Instance | None, user: User) -> dict[str, Any]:
    """流程记录 on the document page itself: what each person did at which step (the system's own events
    left out), and whether this person may also open the flow's page (its participants only)."""
    if instance is None:
        return {"history": [], "flow_link": False}
    names = {node: name for node, (name, _kind) in _nodes_of(instance).items()}
    history = [
        {
            "at": e.at,
            "who": e.actor.display_name if e.actor else "",
            "on_behalf_of": e.on_behalf_of.display_name if e.on_behalf_of else "",
            "what": str(EVENT_LABELS.get(e.type, e.type)),
            "step": names.get(e.node, ""),
            "comment": e.comment,
        }
        for e in history_of(instance)
        if e.actor_id is not None and (e.type in PERSON_EVENTS or e.type == "read")
    ]
    return {"history": history, "flow_link": visible_instance(user, instance.pk).exists()}


def last_return(instance: Instance | None) -> InstanceEvent | None:
    """The latest 退回 of a flow that is now returned to its drafter (who returned it, why), or None. A return
    nobody made (a timeout) carries the flow's own reason, shown in the reader's language."""
    if instance is None or instance.status != InstanceStatus.RETURNED:
        return None
    event = instance.events.filter(type="returned").select_related("actor").order_by("-seq").first()
    if event is None:
        return None
    source = event
    if not event.comment:
        # The reason may be written once, on the task's own return event just before it.
        cause = instance.events.filter(type="task_returned", seq__lt=event.seq).order_by("-seq").first()
        if cause is not None:
            source = cause
    event.comment = system_reason(source.comment) if source.actor_id is None else source.comment
    return event


def may_resubmit(actor: User, document: OutgoingDocument) -> bool:
    """重新送审 is the drafter's, while the flow is returned to them."""
    return (
        document.instance is not None
        and document.instance.status == InstanceStatus.RETURNED
        and document.drafter_id == actor.pk
    )


def may_archive(actor: User, document: OutgoingDocument) -> bool:
    """归档 is the office's, once the document is issued and until it is archived."""
    return bool(document.issued_at and not document.archived_at and is_office(actor))


def signoffs_of(document: OutgoingDocument) -> list[OutgoingSignOff]:
    """Every 签发 of the document, the withdrawn ones (a return after 签发) with who withdrew it and why."""
    return list(document.signoffs.select_related("revision", "signed_by", "withdrawn_by").order_by("signed_at", "id"))


def numbers_of_document(document: OutgoingDocument) -> QuerySet[DocumentNumber]:
    return DocumentNumber.objects.filter(document=document).select_related("voided_by", "assigned_by")


def access_file(*, actor: User, file_id: int) -> DocumentFile:
    """A stored file, to whoever may see the document it belongs to."""
    record = DocumentFile.objects.filter(pk=file_id).select_related("incoming", "outgoing").first()
    if record is None:
        raise NotFoundError("文件不存在。")
    if record.incoming_id is not None:
        access_incoming(actor=actor, document_id=record.incoming_id)
    else:
        access_outgoing(actor=actor, document_id=record.outgoing_id or 0)
    return record


def document_of(record: DocumentFile) -> IncomingDocument | OutgoingDocument:
    """The 收文 or 发文 a stored file belongs to."""
    document = record.incoming or record.outgoing
    if document is None:
        raise NotFoundError("文件不存在。")
    return document


def access_number(*, actor: User, number_id: int) -> DocumentNumber:
    """A 文号 of the register, to the office only."""
    number = DocumentNumber.objects.filter(pk=number_id).first()
    if number is None or not is_office(actor):
        raise NotFoundError("文号不存在。")
    return number


# What the register shows in place of the title of a document the viewer may not read.
WITHHELD = gettext_lazy("（无权查看标题）")


@dataclass(frozen=True)
class RegisterRow:
    """One number of the register as the viewer may see it: the number always (the register stays contiguous);
    its document only when the read rule lets the viewer read it (``withheld`` when it carries one they may
    not)."""

    number: DocumentNumber
    document: OutgoingDocument | None
    withheld: bool


@dataclass
class NumberRegister:
    """文号登记簿 of one prefix and year: every number in order, and the prefixes and years to choose from."""

    prefixes: list[str]
    years: list[int]
    prefix: str
    year: int
    numbers: list[DocumentNumber]
    rows: list[RegisterRow]

    @property
    def used(self) -> int:
        return sum(1 for n in self.numbers if n.status != NumberStatus.VOID)

    @property
    def voided(self) -> int:
        return sum(1 for n in self.numbers if n.status == NumberStatus.VOID)


def number_register(*, actor: User, prefix: str = "", year: int | None = None) -> NumberRegister:
    """The register of ``prefix`` (the first one when not given) and ``year`` (its latest when not given), as
    ``actor`` may read it: every number, and the document of each only where the read rule lets them read it
    (the register is the office's, the documents are not all theirs)."""
    prefixes = list(DocumentNumber.objects.order_by("prefix").values_list("prefix", flat=True).distinct())
    prefix = prefix or (prefixes[0] if prefixes else "")
    years = list(
        DocumentNumber.objects.filter(prefix=prefix).order_by("-year").values_list("year", flat=True).distinct()
    )
    year = year or (years[0] if years else timezone.localdate().year)
    numbers = list(
        DocumentNumber.objects.filter(prefix=prefix, year=year)
        .select_related("document", "assigned_by", "voided_by")
        .order_by("seq")
    )
    carried = {n.document_id for n in numbers if n.document_id is not None}
    readable = set(visible_outgoing(actor).filter(pk__in=carried).values_list("pk", flat=True)) if carried else set()
    rows = [
        RegisterRow(
            n,
            n.document if n.document_id in readable else None,
            n.document_id is not None and n.document_id not in readable,
        )
        for n in numbers
    ]
    return NumberRegister(prefixes, years, prefix, year, numbers, rows)
