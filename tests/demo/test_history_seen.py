"""Demo history and the queue / handling split: the holders open their tasks some time after the tasks reach them
and before they act (``Task.seen_at``), for the last four months only (the older history predates the record), and
now and then act without opening the request."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from sanfu.demo.history import OPENED_FOR_DAYS, seed_history
from sanfu.workflow.models import TODO_KINDS, Task


def test_the_history_opens_tasks_before_acting_on_them_lately(demo):
    now = timezone.now()
    assert seed_history(count=120, days=240, now=now) > 100
    since = now - timedelta(days=OPENED_FOR_DAYS)
    tasks = Task.objects.filter(kind__in=TODO_KINDS)
    opened = tasks.filter(seen_at__isnull=False)
    assert opened.exists()
    assert not opened.filter(created_at__lt=since - timedelta(days=1)).exists()  # older history: no record
    assert not opened.filter(seen_at__lt=F("created_at")).exists()
    assert not opened.filter(acted_at__lt=F("seen_at")).exists()  # opened before it was acted on
    recent = tasks.filter(created_at__gte=since, acted_at__isnull=False)
    assert 0 < recent.filter(seen_at__isnull=True).count() < recent.count() / 2  # a few acted unopened
