"""workflow.0008: instances that existed before they carried a marking belong to their initiator's unit and
primary department, at 内部, so that the read rule covers them at once.

The migration's data step is called as Django calls it (with an app registry); taking the schema back to
workflow.0007 and forward again would unapply and reapply every later migration of every app (minutes under
load) to test a single UPDATE."""

from __future__ import annotations

import importlib

from django.apps import apps

from sanfu.workflow.models import Instance, ProcessDefinition
from tests.conftest import make_user

migration = importlib.import_module("sanfu.workflow.migrations.0008_instance_marking")


def test_existing_instances_are_marked_from_their_initiator(org):
    definition = ProcessDefinition.objects.create(key="old", version=1, name="旧流程", spec={}, status="published")
    staffed = Instance.objects.create(definition=definition, title="旧事项", initiator=org["accountant"])
    nobody = Instance.objects.create(definition=definition, title="无档案", initiator=make_user("no_staff"))
    marked_before = Instance.objects.create(
        definition=definition, title="已标记", initiator=org["accountant"], unit=org["unit"], department=None
    )
    # as they stood before the migration: no unit, no department
    Instance.objects.filter(pk__in=[staffed.pk, nobody.pk]).update(unit=None, department=None)

    migration.backfill(apps, None)

    marked = Instance.objects.get(pk=staffed.pk)
    assert (marked.confidentiality, marked.unit_id, marked.department_id) == (
        "internal",
        org["unit"].pk,
        org["finance"].pk,
    )
    assert Instance.objects.get(pk=nobody.pk).unit_id is None
    assert Instance.objects.get(pk=marked_before.pk).department_id is None  # a marked instance is left as it is
