"""``sanfu gen`` at a small size: the group's units and people, requests at several stages, a refusal to run
twice, and the proof that a bulk copy of a prototype is what the services write: the prototype made again
through the services (``gen.replay``: the same form, the same steps at the same moments by the same people)
gives the same rows as its copy, except ids, the request number and the wall-clock columns."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sanfu.approvals.models import Request
from sanfu.demo import gen
from sanfu.org.models import Staff, Unit
from sanfu.workflow.models import Instance
from tests.worlds import built_once

pytestmark = pytest.mark.django_db

STAFF, INSTANCES, PROTOTYPES = 600, 150, 60


@pytest.fixture(scope="module")
def made(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    yield from built_once(
        django_db_blocker,
        tmp_path_factory,
        lambda: gen.generate(staff=STAFF, instances=INSTANCES, prototypes=PROTOTYPES, open_share=0.1),
    )


def test_the_group_has_its_units_and_people(made: gen.Generated) -> None:
    assert Staff.objects.count() == STAFF
    units = Unit.objects.filter(code__startswith=gen.UNIT_PREFIX)
    assert units.count() == made.units >= 2
    for unit in units:
        assert unit.parent is not None
        assert unit.parent.code == "group"
        assert unit.departments.count() > 1


def test_requests_at_several_stages(made: gen.Generated) -> None:
    assert Request.objects.count() == INSTANCES == len(made.prototypes) + made.copies
    stages = gen.stage_counts()
    assert {"running", "approved"} <= set(stages)
    assert sum(stages.values()) == INSTANCES
    verbs = {step.verb for proto in made.prototypes for step in proto.steps}
    assert "approve" in verbs
    assert len(set(Request.objects.values_list("number", flat=True))) == INSTANCES
    # the prototypes come from several units
    units = set(Instance.objects.filter(pk__in=[p.instance for p in made.prototypes]).values_list("unit", flat=True))
    assert len(units) >= 2


def test_it_refuses_a_second_run(made: gen.Generated) -> None:
    with pytest.raises(gen.AlreadyGeneratedError):
        gen.generate(staff=STAFF, instances=10, prototypes=5)
    with pytest.raises(CommandError, match="sanfu gen"):
        call_command("gen", "--staff", "10", "--instances", "10", stdout=StringIO())


# Columns whose value comes from the wall clock or a random name, not from the request's story.
WALL_CLOCK = {
    "workflow_outboxmessage": {"created_at", "delivered_at"},
    "approvals_attachment": {"file", "uploaded_at"},
}


def _normal(instance_id: int) -> dict[str, list[dict[str, Any]]]:
    rows = gen.load_prototypes([instance_id])[instance_id].by_table
    task_no = {r["id"]: r["task_no"] for r in rows.get("workflow_task", [])}
    out: dict[str, list[dict[str, Any]]] = {}
    for table, found in rows.items():
        for row in sorted(found, key=lambda r: r["id"]):
            clean = {}
            for column, raw in row.items():
                if column in {"id", "instance_id", "request_id"} or column in WALL_CLOCK.get(table, set()):
                    continue
                is_json = isinstance(raw, str) and raw[:1] in ("[", "{")
                clean[column] = json.loads(raw) if is_json else raw
            if table == "approvals_request":
                prefix, day, n = clean.pop("number").rsplit("-", 2)
                clean["number"] = (prefix, day, n.isdigit())
            if table == "workflow_outboxmessage":
                clean["key"] = clean["key"].replace(f"wf:{instance_id}:", "wf:I:")
                task = clean["payload"].get("task")
                if isinstance(task, int):
                    clean["payload"]["task"] = ("task_no", task_no.get(task))
            out.setdefault(table, []).append(clean)
    return out


def test_a_copy_is_what_the_services_write(made: gen.Generated) -> None:
    """For prototypes of each kind of walk, copy one in bulk and make it again through the services."""
    chosen: dict[tuple[str, ...], gen.Prototype] = {}
    for proto in made.prototypes:
        chosen.setdefault(tuple(step.verb for step in proto.steps), proto)
    assert len(chosen) >= 3
    for proto in list(chosen.values())[:8]:
        before = set(Instance.objects.values_list("pk", flat=True))
        assert gen.make_copies([proto], 1, open_share=0.0) == 1
        (copy_id,) = set(Instance.objects.values_list("pk", flat=True)) - before
        again = gen.replay(proto)
        copied, replayed = _normal(copy_id), _normal(again.instance_id)
        assert set(copied) == set(replayed)
        for table in replayed:
            assert copied[table] == replayed[table], (table, proto.steps)
        assert _normal(proto.instance) == replayed  # and the prototype itself, as made first
