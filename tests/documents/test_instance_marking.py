"""A 公文's flow carries the document's 密级 and its unit and department (security issue, hole 1): the read
rule then treats the 审批中心's page of that flow and 流程监控 as it treats the document, and migration
documents.0007 marks the flows of documents that existed before."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sanfu.documents.models import Confidentiality
from sanfu.org.selectors import primary_department, staff_of
from sanfu.workflow.models import Instance
from tests.documents.test_incoming import register
from tests.documents.test_outgoing import draft


def test_a_registered_incoming_flow_is_marked_with_its_level_in_the_registrars_unit(org: dict[str, Any]) -> None:
    document = register(org, confidentiality=Confidentiality.SECRET)
    clerk = org["people"]["clerk"]
    instance = Instance.objects.get(pk=document.instance_id)
    assert (instance.confidentiality, instance.unit_id, instance.department_id) == (
        Confidentiality.SECRET,
        staff_of(clerk).unit_id,  # type: ignore[union-attr]
        primary_department(clerk).pk,  # type: ignore[union-attr]
    )


def test_a_drafted_outgoing_flow_is_marked_with_its_level_and_drafting_department(org: dict[str, Any]) -> None:
    document = draft(org, confidentiality=Confidentiality.CONFIDENTIAL, copy_no="3")
    instance = Instance.objects.get(pk=document.instance_id)
    assert document.department is not None
    assert (instance.confidentiality, instance.unit_id, instance.department_id) == (
        Confidentiality.CONFIDENTIAL,
        document.department.unit_id,
        document.department_id,
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_each_documents_level_to_its_flow(org: dict[str, Any]) -> None:
    incoming = register(org, confidentiality=Confidentiality.CONFIDENTIAL)
    outgoing = draft(org, confidentiality=Confidentiality.SECRET, copy_no="5")
    other = Instance.objects.exclude(pk__in=[incoming.instance_id, outgoing.instance_id]).values_list("pk", flat=True)
    # as the flows stood before: their initiator's unit, no department, 内部
    Instance.objects.update(confidentiality="internal", department=None)
    executor = MigrationExecutor(connection)
    executor.migrate([("documents", "0006_signoff_digests_keyed")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Instance.objects.get(pk=incoming.instance_id).confidentiality == Confidentiality.CONFIDENTIAL
    marked = Instance.objects.get(pk=outgoing.instance_id)
    assert (marked.confidentiality, marked.department_id) == (Confidentiality.SECRET, outgoing.department_id)
    assert not Instance.objects.filter(pk__in=list(other)).exclude(confidentiality="internal").exists()
