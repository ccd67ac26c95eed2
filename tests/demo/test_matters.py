"""The demo catalogue: every process is valid and published once; a second run changes nothing."""

from django.core.management import call_command

from sanfu.approvals.models import MatterType, Request
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


def test_the_demo_command_seeds_organisation_and_matters(db, capsys):
    call_command("demo", "--history", "5")
    assert MatterType.objects.filter(code="leave").exists()
    assert Request.objects.count() >= 4  # a little history too
    assert "gm" in capsys.readouterr().out
