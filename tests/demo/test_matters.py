"""The demo catalogue: every process is valid and published once; a second run changes nothing."""

from sanfu.approvals.models import MatterType
from sanfu.demo.matters import seed_matters
from sanfu.demo.org import seed_demo
from sanfu.workflow.models import ProcessDefinition


def test_demo_matters_publish_once_and_cover_the_catalogue(db):
    seed_demo()
    first = seed_matters()
    assert first == MatterType.objects.count() >= 12
    assert seed_matters() == 0
    assert ProcessDefinition.objects.count() == first
    areas = set(MatterType.objects.values_list("area", flat=True))
    assert areas == {"leadership", "operations", "public"}
    expense = ProcessDefinition.objects.get(key="expense")
    kinds = {n["kind"] for n in expense.spec["nodes"]}
    assert {"condition", "filing", "approval"} <= kinds  # graded, with a green channel through filing


def test_an_urgent_expense_files_every_review_it_passes_over(demo):
    from sanfu.workflow.models import InstanceEvent, Task, TaskKind
    from tests.approvals.test_submit import _submit

    request = _submit(demo, urgency="特急")
    filed = set(InstanceEvent.objects.filter(instance=request.instance, type="filed").values_list("node", flat=True))
    assert filed == {"big_review", "big_0"}  # 审核 and 财务审核, each under its own name
    notified = Task.objects.filter(instance=request.instance, kind=TaskKind.FILING).values_list("node", flat=True)
    assert {"big_review", "big_0"} <= set(notified)
    assert demo["people"]["finance_head"].pk in Task.objects.filter(
        instance=request.instance, kind=TaskKind.FILING
    ).values_list("assignee_id", flat=True)
