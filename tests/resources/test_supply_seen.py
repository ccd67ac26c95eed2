"""A domain page that shows a flow task to its holder records the holder's first opening like the 审批中心's page
(``approvals/partials/_seen.html``: a POST sent once the page is shown), here a 领用申请 waiting on the head."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from sanfu.resources import services
from sanfu.workflow.models import Task, TaskStatus
from tests.resources.test_supplies import sup  # noqa: F401  # the shared fixture


def test_the_heads_page_posts_the_opening_and_the_requesters_does_not(sup: dict[str, Any], login: Any) -> None:  # noqa: F811
    request = services.supply_request_submit(
        actor=sup["accountant"], store_id=sup["store"].pk, lines=[services.LineIn(sup["toner"].pk, 1)]
    )
    task = Task.objects.get(instance=request.instance, status=TaskStatus.OPEN)
    seen = reverse("approvals:instance_seen", args=[request.instance_id])
    page = login(sup["finance_head"]).get(reverse("resources:supply", args=[request.pk])).content.decode()
    assert f'action="{seen}" class="mark-seen" data-autopost' in page
    assert Task.objects.get(pk=task.pk).seen_at is None  # showing it wrote nothing
    assert (
        'class="mark-seen"'
        not in login(sup["accountant"]).get(reverse("resources:supply", args=[request.pk])).content.decode()
    )
    assert login(sup["finance_head"]).post(seen, HTTP_ACCEPT="application/json").json() == {"marked": 1}
    assert Task.objects.get(pk=task.pk).seen_at is not None
