"""推演's stored predictions (``WhatIfPrediction``) and, once the draft is published and instances have ended on
it, what happened beside the prediction. The replay itself (routing and draws) is ``whatif.replay``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.insights.facts import calendar_rows, working_calendar_of
from sanfu.insights.models import WhatIfPrediction
from sanfu.insights.whatif.replay import drafts_of, load_history, replay, round_hours, target_of, window
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition

MIN_ACTUAL = 5  # instances ended on the published version before the comparison says anything
DAYS_PER_MONTH = 365.25 / 12


def prediction_run(
    *, actor: User, unit_id: int, key: str, draft: int | None, months: int, today: date | None = None
) -> WhatIfPrediction:
    """Replay the draft and store the prediction (who, when, the window and the figures); audited."""
    target = target_of(key, draft)
    figures = replay(unit_id=unit_id, target=target, months=months, today=today)
    first, last = window(months, today=today)
    with transaction.atomic():
        stored = WhatIfPrediction.objects.create(
            unit_id=unit_id,
            key=target.draft.key,
            definition=target.draft,
            draft_version=target.draft.version,
            based_on_version=target.current.version,
            first_month=first.first_day,
            last_month=last.first_day,
            months=months,
            figures=figures,
            created_by=actor,
        )
        audit_record(
            action="insights.whatif",
            actor=actor,
            target=f"definition:{target.draft.pk}",
            detail={"key": target.draft.key, "draft": target.draft.version, "months": months, "id": stored.pk},
        )
    return stored


def predictions_of(*, unit_id: int, key: str, draft: int | None = None) -> list[WhatIfPrediction]:
    found = WhatIfPrediction.objects.filter(unit_id=unit_id, key=key).select_related("created_by")
    if draft is not None:
        found = found.filter(draft_version=draft)
    return list(found.order_by("-created_at", "-pk")[:20])


def published_after(draft: ProcessDefinition) -> tuple[ProcessDefinition | None, bool]:
    """The version that published ``draft``: the first published after it with the same content (else the first
    published after it, flagged as edited before publishing)."""
    later = list(
        ProcessDefinition.objects.filter(
            key=draft.key, status=DefinitionStatus.PUBLISHED, version__gt=draft.version
        ).order_by("version")
    )
    content = {k: v for k, v in draft.spec.items() if k != "version"}
    for version in later:
        if {k: v for k, v in version.spec.items() if k != "version"} == content:
            return version, True
    return (later[0], False) if later else (None, False)


def actual_of(prediction: WhatIfPrediction, *, now: datetime | None = None) -> dict[str, Any]:
    """What happened on the published draft beside the prediction: state ``unpublished`` (not published yet),
    ``waiting`` (fewer than ``MIN_ACTUAL`` instances ended on it) or ``ready`` with the figures and whether each
    actual P50/P90 lies inside the predicted interval."""
    published, same = published_after(prediction.definition)
    if published is None:
        return {"state": "unpublished"}
    now = now or timezone.now()
    since = published.published_at or published.created_at
    calendar = working_calendar_of(calendar_rows())
    history = load_history(unit_id=prediction.unit_id, definition=published, start=since, end=now, calendar=calendar)
    n = history.instances.height
    base = {"version": published.version, "same": same, "since": since, "n": n}
    if n < MIN_ACTUAL:
        return {**base, "state": "waiting", "needed": MIN_ACTUAL}
    hours = history.instances["turnaround"]
    actual = {
        "p50": round_hours(hours.quantile(0.5, interpolation="linear")),
        "p90": round_hours(hours.quantile(0.9, interpolation="linear")),
    }
    predicted = prediction.figures.get("predicted", {})
    inside = {}
    for name in ("p50", "p90"):
        low, high, value = predicted.get(f"{name}_low"), predicted.get(f"{name}_high"), actual[name]
        inside[name] = None if low is None or high is None or value is None else low <= value <= high
    months = max((now - since).total_seconds() / 86400 / DAYS_PER_MONTH, 1 / DAYS_PER_MONTH)
    nodes = dict(history.tasks.group_by("node").agg((pl.len() / months).round(2)).iter_rows())
    people = dict(history.tasks.group_by("person").agg((pl.len() / months).round(2)).iter_rows())
    return {
        **base,
        "state": "ready",
        "actual": actual,
        "inside": inside,
        "months": round(months, 2),
        "nodes": {str(k): v for k, v in nodes.items()},
        "people": {str(k): v for k, v in people.items()},
    }


def stored(prediction: WhatIfPrediction) -> dict[str, Any]:
    """A stored prediction as plain data (the page's and the API's)."""
    who = prediction.created_by
    return {
        "id": prediction.pk,
        "key": prediction.key,
        "draft": prediction.draft_version,
        "based_on": prediction.based_on_version,
        "months": prediction.months,
        "first": f"{prediction.first_month:%Y-%m}",
        "last": f"{prediction.last_month:%Y-%m}",
        "created_at": prediction.created_at,
        "created_by": (who.full_name or who.username) if who is not None else "",
        "figures": prediction.figures,
    }


def overview(*, unit_id: int, key: str, draft: int | None) -> dict[str, Any]:
    """What the page shows for ``key``'s draft: the drafts to choose from, the latest stored prediction for it
    (with what happened after publication) and the earlier ones."""
    target = target_of(key, draft)
    found = predictions_of(unit_id=unit_id, key=target.draft.key, draft=target.draft.version)
    latest = found[0] if found else None
    return {
        "key": target.draft.key,
        "name": target.current.name,
        "draft": target.draft.version,
        "based_on": target.current.version,
        "drafts": [d.version for d in drafts_of(target.draft.key)],
        "prediction": stored(latest) if latest is not None else None,
        "actual": actual_of(latest) if latest is not None else None,
        "earlier": [stored(p) for p in found[1:]],
    }
