"""Statements sent straight to the driver appear in Django's query log when Django logs queries."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from sanfu.core import rawsql

pytestmark = pytest.mark.django_db


def test_a_statement_is_logged_while_queries_are_captured():
    sql = f"SELECT {rawsql.mark(connection.vendor)} + 1"
    with CaptureQueriesContext(connection) as captured:
        assert rawsql.fetchone(sql, [41]) == (42,)
        assert rawsql.fetchall(sql, [1]) == [(2,)]
    assert [q["sql"] for q in captured.captured_queries] == [sql, sql]
    assert all(float(q["time"]) >= 0 for q in captured.captured_queries)


def test_a_failed_statement_is_logged_and_raised_as_django_s_error():
    with CaptureQueriesContext(connection) as captured, pytest.raises(DatabaseError):
        rawsql.fetchone("SELECT * FROM no_such_table")
    assert [q["sql"] for q in captured.captured_queries] == ["SELECT * FROM no_such_table"]


def test_nothing_is_logged_when_django_logs_no_queries():
    assert not connection.queries_logged
    before = len(connection.queries_log)
    assert rawsql.fetchone("SELECT 1") == (1,)
    assert len(connection.queries_log) == before
