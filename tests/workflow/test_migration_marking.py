"""workflow.0008: instances that existed before they carried a marking belong to their initiator's unit and
primary department, at 内部, so that the read rule covers them at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sanfu.workflow.models import Instance
from tests.conftest import make_user

BEFORE = [("workflow", "0007_task_choices")]
AFTER = [("workflow", "0008_instance_marking")]


@pytest.mark.django_db(transaction=True)
def test_existing_instances_are_marked_from_their_initiator(org):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    definition = old.get_model("workflow", "ProcessDefinition").objects.create(
        key="old", version=1, name="旧流程", spec={}, status="published"
    )
    made = old.get_model("workflow", "Instance").objects
    staffed = made.create(definition=definition, title="旧事项", initiator_id=org["accountant"].pk)
    nobody = made.create(definition=definition, title="无档案", initiator_id=make_user("no_staff").pk)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # and whatever depends on it, as before the test

    marked = Instance.objects.get(pk=staffed.pk)
    assert (marked.confidentiality, marked.unit_id, marked.department_id) == (
        "internal",
        org["unit"].pk,
        org["finance"].pk,
    )
    assert Instance.objects.get(pk=nobody.pk).unit_id is None
