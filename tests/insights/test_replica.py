"""The review reads its facts where the router sends reads (``sanfu.core.dbrouter``): with a read replica
configured, a replica-readable page's review comes from the replica, and a read inside a transaction on the
primary stays on the primary. The replica is a copy of the primary as committed (tests/deploy's
``_replicate``) after which the primary moves on, as if replication lagged: the figures say which database was
read."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from sanfu.core import dbrouter
from sanfu.insights import reader, services
from sanfu.workflow.models import Instance
from tests.deploy.test_replica_router import _replicate
from tests.insights.test_bench_shapes import JUNE, JuneGenerator, insert, organisation, publish

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(autouse=True)
def _routed(settings: Any) -> None:
    """The router a SANFU_DATABASE_REPLICA_URL configures."""
    settings.DATABASE_ROUTERS = ["sanfu.core.dbrouter.ReplicaRouter"]


def _sql(captured: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"] for q in captured.captured_queries)


def test_the_facts_are_read_from_the_database_the_router_names() -> None:
    org = organisation()
    generator = JuneGenerator(org, {})
    generator.definitions = publish(generator)
    insert(generator)
    june = services.month_reviews_computed(unit_id=org.unit, first=JUNE, last=JUNE)
    assert june[0]["total"]["ended"] > 0
    _replicate()
    # SQLite: after the backup API read the primary through this connection, the ADBC reader's own connections did
    # not see this connection's next writes until it reconnected (seen here, not understood); a new one sees them.
    connections["default"].close()
    Instance.objects.filter(unit_id=org.unit).update(unit_id=None)  # on the primary only: the replica lags
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
        dbrouter.replica_reads(),
    ):
        assert reader.database_for().alias == "replica"
        from_replica = services.month_reviews_computed(unit_id=org.unit, first=JUNE, last=JUNE)
    assert from_replica == june
    for table in ("workflow_instance", "workflow_task", "workflow_instanceevent"):
        assert table in _sql(replica)
        assert table not in _sql(primary)
    # Without the mark, and inside a transaction on the primary even with it, the primary's rows count.
    assert services.month_reviews_computed(unit_id=org.unit, first=JUNE, last=JUNE)[0]["total"]["ended"] == 0
    with dbrouter.replica_reads(), transaction.atomic():
        assert reader.database_for().alias == "default"
        assert services.month_reviews_computed(unit_id=org.unit, first=JUNE, last=JUNE)[0]["total"]["ended"] == 0
