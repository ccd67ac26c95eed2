"""The insights' columnar reader: a statement's rows straight into a Polars frame, on the database the router
reads from.

Every read of the flow's tables by insights (the review's facts, the advice, the ETA, the escalation, the process
map and the 推演 replay) goes through ``fetch`` (a queryset) or ``fetch_sql`` (a statement), which move the rows in
columnar form so that no row or value becomes a Python object: PostgreSQL sends them with ``COPY … TO STDOUT``
(CSV) and Polars parses the text; SQLite's file is read by the ADBC driver straight into Arrow columns. Reading
rows through the DB-API costs about 1.5–2 µs a value (docs/benchmarks.md).

**Which database.** The statements go to ``connections[router.db_for_read(model)]``, as the ORM's own reads do: a
configured read replica (``SANFU_DATABASE_REPLICA_URL``, ``sanfu.core.dbrouter``) serves the review's pages, and
the router keeps the reads of a transaction on the primary (``default``) — a service that writes and reads back,
a test.

Beside the reader, the helpers the readers share: ``ms`` (a timestamp as epoch ms, computed by the database),
``cancels_tasks`` (an event that cancels tasks) and ``task_times`` (when each task reached its holder and ended,
from the events)."""

from __future__ import annotations

from time import perf_counter
from typing import Any

import adbc_driver_sqlite
import polars as pl
from adbc_driver_manager import AdbcConnection, AdbcDatabase, AdbcStatement
from adbc_driver_manager import Error as AdbcError
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, BooleanField, Func, Model, Q, QuerySet
from django.db.models.expressions import Expression, RawSQL

from sanfu.workflow.models import Instance

# Task numbers in an event's ``set_tasks`` given a status (the JSON text of SQLite and of PostgreSQL's jsonb
# alike: a task's change holds only flat values, so no brace inside it).
_SET_STATUS = r'"(\d+)":\s*\{{[^{{}}]*"status":\s*"{status}"'


def database_for(model: type[Model] = Instance) -> BaseDatabaseWrapper:
    """The connection the router reads ``model`` from (the replica on a replica-readable page, outside a
    transaction; otherwise the primary)."""
    return connections[router.db_for_read(model)]


def is_postgresql(model: type[Model] = Instance) -> bool:
    return database_for(model).vendor == "postgresql"


class EpochMs(Func):
    """A timestamp as whole milliseconds since 1970 (UTC), computed by the database."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400000.0) AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        """``ROUND(EXTRACT(EPOCH …) * 1000)``, exactly; ``EXTRACT`` computes in ``numeric`` (since PostgreSQL 14),
        about 0.5 µs a value, a quarter of the year's tasks statement. From 1970 to 2038 the same integer comes
        from ``date_part`` (a float, within 0.25 µs of the true epoch there: its rounding to whole microseconds is
        exact), then whole microseconds to milliseconds, half away from zero, in integers; outside those years,
        and for an expression with parameters (written once), ``EXTRACT``. Checked equal on 3 million random
        moments from 1960 to 2055 and on every half-millisecond edge."""
        sql, params = compiler.compile(self.source_expressions[0])
        exact = f"CAST(ROUND(EXTRACT(EPOCH FROM {sql}) * 1000) AS BIGINT)"
        if params:
            return exact, params
        return (
            f"CASE WHEN {sql} >= TIMESTAMPTZ '1970-01-01 00:00:00+00' AND {sql} < TIMESTAMPTZ '2038-01-01 00:00:00+00' "
            f"THEN (CAST(ROUND(date_part('epoch', {sql}) * 1000000) AS BIGINT) + 500) / 1000 ELSE {exact} END",
            [],
        )


def ms(expression: str | Expression) -> EpochMs:
    """``expression`` (a field name or an expression) as epoch milliseconds."""
    return EpochMs(expression)


def fetch(queryset: QuerySet[Any], schema: list[tuple[str, Any]]) -> pl.DataFrame:
    """One statement: the queryset's SQL (compiled for the database the router reads its model from), its rows
    into a frame of ``schema`` (names and types by position)."""
    alias = queryset.db
    try:
        sql, params = queryset.query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:  # ``pk__in`` an empty list: no statement to send
        return pl.DataFrame(schema=schema)
    return fetch_sql(sql, tuple(params), schema, using=alias)


def fetch_sql(
    sql: str, params: tuple[Any, ...], schema: list[tuple[str, Any]], *, using: str | None = None
) -> pl.DataFrame:
    """The rows of one statement as a frame, moved in columnar form, from the database ``using`` (by default the
    one the router reads the flow's instances from): PostgreSQL with ``COPY … TO STDOUT`` (CSV) on Django's own
    connection (so inside the caller's transaction), SQLite's file by the ADBC driver into Arrow columns.

    The ADBC reader has a connection of its own, which sees only what is committed: inside a transaction
    (``atomic``: a test, a write that reads back) or on an in-memory database the rows go through Django's
    cursor instead, as they do when the driver cannot type a column (a text column whose first rows are all
    NULL)."""
    connection = connections[using or router.db_for_read(Instance)]
    started = perf_counter()
    frame = None
    if connection.vendor == "postgresql":
        frame = _copy_out(connection, sql, params, schema)
    elif connection.vendor == "sqlite" and not connection.in_atomic_block and not _in_memory(connection):
        frame = _sqlite_arrow(connection, sql, params, schema)
    if frame is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return pl.DataFrame(rows, schema=schema, orient="row")
    if connection.queries_logged:  # counted like any other statement (``CaptureQueriesContext``, the debug log)
        connection.queries_log.append(
            {"sql": sql % tuple(map(repr, params)), "time": f"{perf_counter() - started:.3f}"}
        )
    return frame


def _in_memory(connection: BaseDatabaseWrapper) -> bool:
    name = str(connection.settings_dict["NAME"])
    return name == ":memory:" or "mode=memory" in name


def _copy_out(
    connection: BaseDatabaseWrapper, sql: str, params: tuple[Any, ...], schema: list[tuple[str, Any]]
) -> pl.DataFrame:
    data = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
        for block in copy:
            data += block
    if not data:
        return pl.DataFrame(schema=schema)
    # CSV keeps NULL (an empty field) apart from the empty text (a quoted one), as Polars reads it.
    return pl.read_csv(bytes(data), has_header=False, schema=dict(schema))


def _sqlite_arrow(
    connection: BaseDatabaseWrapper, sql: str, params: tuple[Any, ...], schema: list[tuple[str, Any]]
) -> pl.DataFrame | None:
    values = [int(p) if isinstance(p, bool) else p for p in params]
    if any(not isinstance(v, str | int | float) for v in values):  # bound as Arrow columns: plain values only
        return None
    path = str(connection.settings_dict["NAME"])
    database = AdbcDatabase(driver=adbc_driver_sqlite._driver_path(), uri=path)
    try:
        with AdbcConnection(database) as conn, AdbcStatement(conn) as statement:
            statement.set_sql_query(sql % tuple("?" * len(values)))
            if values:
                statement.bind_stream(pl.DataFrame({f"p{i}": [v] for i, v in enumerate(values)}))
            stream, _ = statement.execute_query()
            frame = pl.DataFrame(stream)
    except (AdbcError, pl.exceptions.ComputeError):  # a column the driver typed from NULLs, then text
        return None
    finally:
        database.close()
    if frame.width != len(schema):
        return None
    return frame.rename(dict(zip(frame.columns, (n for n, _ in schema), strict=True))).cast(dict(schema))


def cancels_tasks() -> Q:
    """An event that cancels tasks (on a queryset annotated with ``text``: its ``changes`` as text). PostgreSQL
    tests the jsonb itself (casting every event's changes to text costs three times as long); SQLite stores the
    JSON as text and looks for the word."""
    if is_postgresql():
        return Q(
            RawSQL(
                """"workflow_instanceevent"."changes" -> 'set_tasks' @? '$.* ? (@.status == "cancelled")'""",
                (),
                output_field=BooleanField(),
            )
        )
    return Q(text__contains='"cancelled"')


def task_times(tasks: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """``start``: when the task reached its holder (a 依次 signer's task is created waiting and opened later,
    by a ``tasks_opened`` event); ``end``: acted, or, for a cancelled task, the event that cancelled it;
    ``auto``: passed by the engine at creation (acted the moment it was made). ``events`` carry ``text``: the
    JSON of their ``set_tasks`` (empty for those that neither open nor cancel tasks)."""

    def set_to(status: str, name: str) -> pl.DataFrame:
        return (
            events.filter(pl.col("text") != "")
            .select(
                "instance",
                "at",
                pl.col("text").str.extract_all(_SET_STATUS.format(status=status)).alias("found"),
            )
            .explode("found")
            .drop_nulls("found")
            .select(
                "instance",
                pl.col("found").str.extract(r'"(\d+)"').cast(pl.Int64).alias("task_no"),
                pl.col("at").alias(name),
            )
            .group_by("instance", "task_no")
            .agg(pl.col(name).min())
        )

    opened = set_to("open", "opened")
    cancelled = set_to("cancelled", "cancelled")
    return (
        tasks.join(opened, on=["instance", "task_no"], how="left")
        .join(cancelled, on=["instance", "task_no"], how="left")
        .with_columns(
            start=pl.max_horizontal("created", "opened"),
            end=pl.when(pl.col("acted").is_not_null())
            .then(pl.col("acted"))
            .when(pl.col("status") == "cancelled")
            .then(pl.col("cancelled"))
            .otherwise(None),
            auto=pl.col("acted") == pl.col("created"),
        )
        .drop("opened", "cancelled")
    )
