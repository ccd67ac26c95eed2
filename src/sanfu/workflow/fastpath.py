"""The flow step's hand-written SQL: the step's reads and the statements that write a decision, sent
straight to the driver through ``sanfu.core.rawsql``, with the process-wide caches they keep (SQL text,
converters, prepared moments, the states this process wrote last) and the choice of JSON reader and
writer (orjson where it reads and writes exactly what the standard library would).

Every function here means exactly what a plain ORM query or write would (a test compares the two on both
databases); it exists because compiling those through the ORM cost many times more than running them on
every step."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.core import rawsql
from sanfu.core.errors import ConflictError
from sanfu.org.models import Delegation
from sanfu.workflow.engine import Decision, Definition, State
from sanfu.workflow.engine.statuses import ENDED
from sanfu.workflow.engine.tasks import Task as EngineTask
from sanfu.workflow.models import DefinitionStatus, Instance, InstanceEvent, OutboxMessage, ProcessDefinition, Task
from sanfu.workflow.repository import instance_updates, outbox_rows

# --- the one read of a step ---------------------------------------------------------------------------
#
# A person acting on a task needs the task row, its instance and the instance's definition: one SELECT
# with two joins. Through the ORM (select_related + defer) compiling that query cost many times more than
# running it, so the SQL is built once from model metadata and each column goes through the same
# converters the ORM's compiler applies (backend + field ``from_db_value``), then ``Model.from_db``.


def _concrete(model: type[models.Model], *, leave_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.name for f in model._meta.concrete_fields if f.name not in leave_out)


@cache
def _fields(model: type[models.Model], names: tuple[str, ...]) -> tuple[models.Field[Any, Any], ...]:
    return tuple(model._meta.get_field(name) for name in names)  # type: ignore[misc]


class _Reader:
    """Model rows from the columns of a raw SELECT: ``parts`` names, per model, the fields read in the
    model's field order (the others are deferred)."""

    def __init__(self, *parts: tuple[type[models.Model], tuple[str, ...]], as_read: Any = None) -> None:
        """``as_read``: one field whose column is given to ``from_db`` as read, unconverted."""
        self.parts = parts
        self.as_read = as_read
        self._converters: WeakKeyDictionary[Any, list[tuple[int, Any, list[Any]]]] = WeakKeyDictionary()
        # Per model, for each of its concrete fields, the column that holds it (or None: deferred), so that
        # ``from_db`` gets a value for every field and skips matching names to fields.
        self._layouts: list[tuple[type[models.Model], tuple[int | None, ...]]] = []
        start = 0
        for model, names in parts:
            position = {f.attname: start + i for i, f in enumerate(_fields(model, names))}
            self._layouts.append((model, tuple(position.get(f.attname) for f in model._meta.concrete_fields)))
            start += len(names)

    def columns(self, *aliases: str) -> str:
        qn = connection.ops.quote_name
        return ", ".join(
            f"{alias}.{qn(f.column)}"
            for alias, (model, names) in zip(aliases, self.parts, strict=True)
            for f in _fields(model, names)
        )

    def converters(self, wrapper: BaseDatabaseWrapper) -> list[tuple[int, Any, list[Any]]]:
        """The columns the ORM's compiler would convert on this connection, with how: the backend's
        converters, then the field's ``from_db_value`` (most columns need neither)."""
        converters = self._converters.get(wrapper)
        if converters is None:
            converters = self._converters[wrapper] = []
            index = 0
            for model, names in self.parts:
                for field in _fields(model, names):
                    col = field.get_col(model._meta.db_table)
                    from_db = field.get_db_converters(wrapper)  # type: ignore[attr-defined]
                    funcs = wrapper.ops.get_db_converters(col) + from_db
                    if funcs and field is not self.as_read:
                        converters.append((index, col, funcs))
                    index += 1
        return converters

    def build(self, row: Sequence[Any], wrapper: BaseDatabaseWrapper) -> list[models.Model]:
        values = list(row)
        for index, col, funcs in self.converters(wrapper):
            value = values[index]
            for func in funcs:
                value = func(value, col, wrapper)
            values[index] = value
        deferred = models.DEFERRED
        return [
            model.from_db(wrapper.alias, (), [deferred if i is None else values[i] for i in layout])
            for model, layout in self._layouts
        ]


_DEFINITION_READ = (ProcessDefinition, _concrete(ProcessDefinition, leave_out=("spec",)))
_TASK_READER = _Reader(
    (Task, _concrete(Task, leave_out=("node_name", "created_at", "due_at", "acted_at", "overdue"))),
    (Instance, _concrete(Instance)),
    _DEFINITION_READ,
    as_read=Instance._meta.get_field("state"),
)
_DEFINITION_READER = _Reader(_DEFINITION_READ)


@cache
def _task_sql(vendor: str) -> str:
    qn = connection.ops.quote_name
    return (
        f"SELECT {_TASK_READER.columns('t', 'i', 'd')} FROM {qn(Task._meta.db_table)} t"  # noqa: S608  # see above
        f" JOIN {qn(Instance._meta.db_table)} i ON i.{qn('id')} = t.{qn('instance_id')}"
        f" JOIN {qn(ProcessDefinition._meta.db_table)} d ON d.{qn('id')} = i.{qn('definition_id')}"
        f" WHERE t.{qn('id')} = {rawsql.mark(vendor)}"
    )


def load_task(task_id: int) -> Task | None:
    """The task row (its identity, node, kind, people and status; other fields deferred) with its instance
    and the instance's definition (without the spec) attached, in one query; ``None`` if there is none."""
    db = rawsql.db()
    row = rawsql.fetchone(_task_sql(db.vendor), [task_id], db)
    if row is None:
        return None
    task, instance, definition = _TASK_READER.build(row, db)
    assert isinstance(task, Task)
    assert isinstance(instance, Instance)
    assert isinstance(definition, ProcessDefinition)
    _decode_state(instance)
    instance.definition = definition
    task.instance = instance
    return task


@cache
def _latest_sql(vendor: str) -> str:
    qn = connection.ops.quote_name
    mark = rawsql.mark(vendor)
    return (
        f"SELECT {_DEFINITION_READER.columns('d')} FROM {qn(ProcessDefinition._meta.db_table)} d"  # noqa: S608  # see above
        f" WHERE d.{qn('key')} = {mark} AND d.{qn('status')} = {mark} ORDER BY d.{qn('version')} DESC LIMIT 1"
    )


def latest_published(key: str) -> ProcessDefinition | None:
    """The latest published version of ``key`` (its spec deferred: ``parsed_definition`` caches the parse),
    or ``None``; read on every start, so without the ORM's query compiler."""
    db = rawsql.db()
    row = rawsql.fetchone(_latest_sql(db.vendor), [key, DefinitionStatus.PUBLISHED.value], db)
    if row is None:
        return None
    (definition,) = _DEFINITION_READER.build(row, db)
    assert isinstance(definition, ProcessDefinition)
    return definition


# --- the states this process wrote last ---------------------------------------------------------------
#
# The next step on an instance usually comes to the process that wrote its state. Decoding that JSON and
# rebuilding the State from it cost more than the rest of the read, so the last state written per
# instance is remembered with the exact text stored. A read that finds the same text takes the State as
# it was (the engine never changes a State it is given: ``decide`` works on a copy); any other text (a
# write by another process, a rolled-back write) is decoded as usual. Equal text is equal content, so
# this cannot go stale. Only where the database gives the text back as written (SQLite: PostgreSQL's
# jsonb normalises it).

_KNOWN: dict[int, tuple[str, dict[str, Any], State]] = {}  # instance id → (stored text, its JSON, its State)


def _decode_state(instance: Instance) -> None:
    """Turn the state column read as text into its JSON value, and attach the State when it is known."""
    text = instance.state
    if not isinstance(text, str):
        return
    known = _KNOWN.get(instance.pk)
    if known is not None and known[0] == text:
        instance.state = known[1]  # read-only, like every snapshot
        instance.__dict__["_known_state"] = known[2]
    else:
        instance.state = _json_value(text)


def _remember(instance: Instance, stored: Any, data: dict[str, Any], state: State) -> None:
    if not isinstance(stored, str):
        return
    if state.status in ENDED:  # no step will follow
        _KNOWN.pop(instance.pk, None)
        return
    if len(_KNOWN) >= 1_000:  # every entry is objects the garbage collector walks: keep the recent ones only
        _KNOWN.clear()
    _KNOWN[instance.pk] = (stored, data, state)


# --- writing a decision -------------------------------------------------------------------------------
#
# A step writes a handful of small rows; through the ORM (``update`` + three ``bulk_create``) building the
# SQL cost more than running it. These helpers issue the same statements the ORM would — one conditional
# UPDATE, one multi-row INSERT per table, the task upsert as INSERT … ON CONFLICT … DO UPDATE (SQLite ≥
# 3.24 and PostgreSQL) — with every value prepared by its model field's own ``get_db_prep_save``, so JSON,
# datetimes and booleans are adapted exactly as the ORM adapts them on each backend. Identifiers in the SQL
# come only from model metadata (quoted); every value is a parameter.


# What ``get_db_prep_save`` does to a value that is already of its field's plain type (an int for an
# integer field or a key to one, a str for a text field, a bool for a boolean): nothing. Such values are
# passed through; anything else (None included, moments, JSON) goes through the field itself.
_PLAIN: tuple[tuple[type[models.Field[Any, Any]], type], ...] = (
    (models.BooleanField, bool),
    (models.IntegerField, int),
    (models.CharField, str),
    (models.TextField, str),
)


@cache
def _plain_types(model: type[models.Model], names: tuple[str, ...]) -> tuple[type | None, ...]:
    types: list[type | None] = []
    for field in _fields(model, names):
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        plain = next((t for cls, t in _PLAIN if isinstance(target, cls)), None)
        if type(field) is models.DateTimeField:  # prepared once per moment (see ``_prep``)
            plain = datetime
        elif type(field) is models.JSONField and field.encoder is None:  # a dict: see ``_json_param``
            plain = dict
        types.append(plain)
    return tuple(types)


# Moments as the backend takes them, by connection and value: a step writes the same few moments (its
# ``now``, the tasks' deadlines) again and again, as different objects. Equal moments are the same instant,
# which every backend stores alike (SQLite as UTC text, PostgreSQL as timestamptz).
_MOMENTS: dict[tuple[BaseDatabaseWrapper, datetime], Any] = {}


def _prep(
    model: type[models.Model], names: tuple[str, ...], values: Sequence[Any], wrapper: BaseDatabaseWrapper
) -> list[Any]:
    prepared: list[Any] = []
    for f, plain, v in zip(_fields(model, names), _plain_types(model, names), values, strict=True):
        if v is None:  # NULL, whatever the field (what get_db_prep_save makes of it)
            prepared.append(None)
        elif plain is datetime:
            key = (wrapper, v)
            value = _MOMENTS.get(key)
            if value is None:
                if len(_MOMENTS) >= 512:
                    _MOMENTS.clear()
                value = _MOMENTS[key] = f.get_db_prep_save(v, wrapper)
            prepared.append(value)
        elif type(v) is plain:
            prepared.append(_json_param(v, wrapper) if plain is dict else v)
        else:
            prepared.append(f.get_db_prep_save(v, wrapper))
    return prepared


# JSON columns (the state, the events' changes, the outbox payloads) are written with orjson: the state is
# written whole on every step, and the standard library took ten times as long. Anything orjson would
# write differently from ``json.dumps`` (a moment, a dataclass, a subclass of a plain type) or cannot write
# (an integer beyond 64 bits) is left to ``json.dumps``, which then does what the JSONField always did.
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _json_text(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value).encode()


def _json_param(value: Any, wrapper: BaseDatabaseWrapper) -> Any:
    """A JSON column's value as the driver takes it: text on SQLite, a jsonb adapter on PostgreSQL."""
    text = _json_text(value)
    if wrapper.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(value, dumps=lambda _value: text)
    return text.decode()


def _json_value(text: str) -> Any:
    """A state read as text. orjson reads an integer beyond 64 bits as an inexact float, so it reads only
    what it wrote itself: compact text (no space after a colon), in which every integer fits in 64 bits
    (it refuses larger ones, and the standard library writes those). Other text — written by the standard
    library, or PostgreSQL's jsonb output — is read by the standard library."""
    colon = text.find(":")
    if colon > 0 and text[colon + 1 : colon + 2] != " ":
        return orjson.loads(text)
    return json.loads(text)


@cache
def _insert_sql(model: type[models.Model], names: tuple[str, ...], count: int, upsert: str, vendor: str) -> str:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in _fields(model, names))
    one = "(" + ", ".join([rawsql.mark(vendor)] * len(names)) + ")"
    values = ", ".join([one] * count)
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES {values}{upsert}"  # noqa: S608  # see above


Statement = tuple[str, list[Any]]


def _insert(
    db: BaseDatabaseWrapper,
    model: type[models.Model],
    names: tuple[str, ...],
    rows: Sequence[Sequence[Any]],
    *,
    upsert: str = "",
) -> Statement:
    """One INSERT of ``rows`` (each the values of ``names``), plus an optional ``ON CONFLICT`` clause."""
    sql = _insert_sql(model, names, len(rows), upsert, db.vendor)
    return sql, [p for row in rows for p in _prep(model, names, row, db)]


@cache
def _update_sql(names: tuple[str, ...], vendor: str) -> str:
    qn = connection.ops.quote_name
    mark = rawsql.mark(vendor)
    sets = ", ".join(f"{qn(f.column)} = {mark}" for f in _fields(Instance, names))
    table = qn(Instance._meta.db_table)
    return f"UPDATE {table} SET {sets} WHERE {qn('id')} = {mark} AND {qn('version')} = {mark}"  # noqa: S608  # see above


def _update_if_version(db: BaseDatabaseWrapper, instance: Instance, updates: dict[str, Any]) -> Statement:
    """``UPDATE … WHERE id = %s AND version = %s``: the optimistic concurrency guard (it wins if it
    changes one row)."""
    names = tuple(updates)
    return (
        _update_sql(names, db.vendor),
        [*_prep(Instance, names, list(updates.values()), db), instance.pk, instance.version],
    )


def _write(db: BaseDatabaseWrapper, guard: Statement | None, writes: Sequence[Statement]) -> bool:
    """Run the version-checked UPDATE ``guard`` (``None`` for a new instance) and, if it changed its row,
    ``writes``; False: it did not (someone else changed the instance first). On PostgreSQL everything is
    sent in one pipeline (one round trip instead of one per statement): the guard's row count is then
    checked after the writes were sent but before anything is committed — the caller's transaction is
    rolled back on False, and a write refused because the winner's rows are already there (the same event
    number) is the same conflict."""
    with db.wrap_database_errors:
        if db.vendor != "postgresql" or not writes:
            if guard is not None and rawsql.execute(*guard, db).rowcount != 1:
                return False
            for sql, params in writes:
                rawsql.execute(sql, params, db)
            return True
        checked = None
        try:
            with rawsql.dbapi(db).pipeline():
                if guard is not None:
                    checked = rawsql.execute(*guard, db)
                for sql, params in writes:
                    rawsql.execute(sql, params, db)
        except db.Database.DatabaseError:  # type: ignore[attr-defined]  # the DB-API module
            if checked is not None and checked.rowcount != 1:  # the guard lost: a refused write is that conflict
                return False
            raise
        return checked is None or bool(checked.rowcount == 1)


_EVENT_COLUMNS = ("instance", "seq", "type", "actor", "on_behalf_of", "at", "node", "task_no", "comment", "changes")
_TASK_COLUMNS = (
    "instance",
    "task_no",
    "node",
    "node_name",
    "kind",
    "assignee",
    "on_behalf_of",
    "status",
    "created_at",
    "due_at",
    "acted_at",
    "overdue",
)
_TASK_UPDATED = ("assignee", "on_behalf_of", "status", "due_at", "acted_at", "overdue")
_OUTBOX_COLUMNS = ("key", "kind", "instance", "payload", "created_at", "attempts", "last_error")


@cache
def _task_upsert_clause(vendor: str) -> str:
    qn = connection.ops.quote_name
    columns = [str(f.column) for f in _fields(Task, _TASK_UPDATED)]
    return f" ON CONFLICT ({qn('instance_id')}, {qn('task_no')}) DO UPDATE SET " + ", ".join(
        f"{qn(c)} = EXCLUDED.{qn(c)}" for c in columns
    )


def _task_values(instance: Instance, definition: Definition, task: EngineTask) -> tuple[Any, ...]:
    node = definition.nodes.get(task.node)
    return (
        instance.pk,
        task.id,
        task.node,
        node.name if node else task.node,
        task.kind,
        task.assignee,
        task.on_behalf_of,
        task.status,
        task.created_at or timezone.now(),
        task.due_at,
        task.acted_at,
        task.overdue,
    )


@cache
def _instance_insert_sql(names: tuple[str, ...], vendor: str) -> str:
    returning = f" RETURNING {connection.ops.quote_name('id')}" if vendor == "postgresql" else ""
    return _insert_sql(Instance, names, 1, returning, vendor)


_INSTANCE_COLUMNS = _concrete(Instance, leave_out=("id",))


def _insert_instance(db: BaseDatabaseWrapper, instance: Instance) -> Any:
    """INSERT a new instance row as it stands (its state already decided) and set its id; the state
    column's value as written."""
    values = [getattr(instance, f.attname) for f in _fields(Instance, _INSTANCE_COLUMNS)]
    params = _prep(Instance, _INSTANCE_COLUMNS, values, db)
    with db.wrap_database_errors:
        cursor = rawsql.execute(_instance_insert_sql(_INSTANCE_COLUMNS, db.vendor), params, db)
        instance.pk = cursor.fetchone()[0] if db.vendor == "postgresql" else cursor.lastrowid
    instance._state.adding = False
    return params[_INSTANCE_COLUMNS.index("state")]


def save(instance: Instance, definition: Definition, before: State, decision: Decision) -> None:
    """Write one decision. Raises :class:`ConflictError` when someone else changed the instance first.

    An instance not yet in the database (no id: a start) is inserted with its first state in one
    statement instead of being created and then updated."""
    state = decision.state
    updates = instance_updates(instance, before, decision)
    db = rawsql.db()
    assert db.in_atomic_block, "save() must run inside a transaction"
    guard: Statement | None = None
    if instance.pk is None:
        for name, value in updates.items():
            setattr(instance, name, value)
        stored = _insert_instance(db, instance)
    else:
        guard = _update_if_version(db, instance, updates)
        stored = guard[1][list(updates).index("state")]
    writes: list[Statement] = []
    if decision.events:
        writes.append(
            _insert(
                db,
                InstanceEvent,
                _EVENT_COLUMNS,
                [
                    (
                        instance.pk,
                        e.seq,
                        e.type,
                        e.actor or None,
                        e.on_behalf_of,
                        e.at,
                        e.node or "",
                        e.task,
                        e.comment,
                        e.changes if type(e.changes) is dict else dict(e.changes),
                    )
                    for e in decision.events
                ],
            )
        )
    earlier = before.tasks
    changed = [t for t in state.tasks.values() if earlier.get(t.id) is not t and earlier.get(t.id) != t]
    if changed:
        writes.append(
            _insert(
                db,
                Task,
                _TASK_COLUMNS,
                [_task_values(instance, definition, t) for t in changed],
                upsert=_task_upsert_clause(db.vendor),
            )
        )
    outbox = outbox_rows(instance, before, decision)
    if outbox:
        created = timezone.now()  # what auto_now_add would set
        writes.append(
            _insert(
                db,
                OutboxMessage,
                _OUTBOX_COLUMNS,
                [(key, kind, instance.pk, payload, created, 0, "") for key, kind, payload in outbox],
            )
        )
    if not _write(db, guard, writes):
        raise ConflictError("流程已被他人处理，请刷新后查看最新状态。")
    for name, value in updates.items():
        setattr(instance, name, value)
    _remember(instance, stored, updates["state"], state)


# --- the step's questions about people ---------------------------------------------------------------
#
# Asked on every step of every flow (``sanfu.workflow.facts``): they mean exactly
# ``User.objects.filter(pk__in=ids, is_active=True)`` and ``org.selectors.active_delegations(at=…)``.


@cache
def _active_users_sql(vendor: str, people: int) -> str:
    qn = connection.ops.quote_name
    mark = rawsql.mark(vendor)
    marks = ", ".join([mark] * people)
    return (
        f"SELECT {qn('id')} FROM {qn(User._meta.db_table)}"  # noqa: S608  # see above
        f" WHERE {qn('is_active')} = {mark} AND {qn('id')} IN ({marks})"
    )


def active_user_ids(ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` are active accounts."""
    wanted = list(ids)
    if not wanted:
        return set()
    db = rawsql.db()
    return {row[0] for row in rawsql.fetchall(_active_users_sql(db.vendor, len(wanted)), [True, *wanted], db)}


@cache
def _users_and_principals_sql(vendor: str, people: int) -> str:
    qn = connection.ops.quote_name
    mark = rawsql.mark(vendor)
    sql = (
        f"SELECT DISTINCT 1, {qn('principal_id')} FROM {qn(Delegation._meta.db_table)}"  # noqa: S608  # see above
        f" WHERE {qn('revoked_at')} IS NULL AND {qn('starts_at')} <= {mark} AND {qn('ends_at')} > {mark}"
    )
    if people:
        marks = ", ".join([mark] * people)
        sql += (
            f" UNION ALL SELECT 0, {qn('id')} FROM {qn(User._meta.db_table)}"  # noqa: S608  # see above
            f" WHERE {qn('is_active')} = {mark} AND {qn('id')} IN ({marks})"
        )
    return sql


def active_users_and_principals(ids: Iterable[int], *, at: datetime) -> tuple[set[int], set[int]]:
    """:func:`active_user_ids` of ``ids`` and everyone with an active delegation at ``at`` (the principals),
    in one query."""
    wanted = list(ids)
    db = rawsql.db()
    moment = Delegation._meta.get_field("starts_at").get_db_prep_value(at, db)
    params: list[Any] = [moment, moment]
    if wanted:
        params += [True, *wanted]
    active: set[int] = set()
    principals: set[int] = set()
    for kind, person in rawsql.fetchall(_users_and_principals_sql(db.vendor, len(wanted)), params, db):
        (principals if kind else active).add(person)
    return active, principals
