"""The review's figures, read from the cache for a closed month or computed (``measures.review``).

A closed month (its last moment passed) is computed once and stored with the measures' version and the
working calendar's fingerprint; a later read under the same version and calendar takes the stored figures, and
a change to either recomputes them (so an administrator's change to the calendar invalidates every cached
month). The month still open is computed on every read and never stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError
from sanfu.insights import advice, facts, measures, period, redesign, rights
from sanfu.insights.models import MonthReview
from sanfu.workflow import services as workflow
from sanfu.workflow.models import DefinitionStatus, Instance, ProcessDefinition


def spine_for(*, unit_id: int, month: facts.Month) -> measures.Spine:
    rows = facts.calendar_rows()
    loaded = facts.load(unit_id=unit_id, month=month, calendar=facts.working_calendar_of(rows))
    return measures.spine_of(loaded)


def month_reviews_computed(*, unit_id: int, first: facts.Month, last: facts.Month) -> list[dict[str, Any]]:
    """The figures of every month from ``first`` to ``last``, computed from the tables (no cache): the span's
    facts are read once and each month sliced out of them, the same figures as ``month_review`` computes. The
    months' reviews are computed together (``measures.reviews``) once the span's facts are let go: at a million
    events they are about 200 MiB, the months' spines for the review a tenth of that."""
    return measures.reviews(_spines_for_review(unit_id=unit_id, first=first, last=last))


def _spines_for_review(*, unit_id: int, first: facts.Month, last: facts.Month) -> list[measures.Spine]:
    rows = facts.calendar_rows()
    span = facts.load_span(unit_id=unit_id, first=first, last=last, calendar=facts.working_calendar_of(rows))
    spines = []
    month = first
    while month.first_day <= last.first_day:
        spines.append(measures.for_review(measures.spine_of(span.month(month))))
        month = month.next
    return spines


def month_review(*, unit_id: int, month: facts.Month, now: datetime | None = None) -> dict[str, Any]:
    """The figures of ``unit_id`` for ``month``: from the cache when the month is closed and was computed
    under the current version and calendar, otherwise computed (and stored, for a closed month)."""
    now = now or timezone.now()
    rows = facts.calendar_rows()
    calendar = facts.calendar_version(rows)
    closed = month.ends() <= now
    if closed:
        cached = (
            MonthReview.objects.filter(
                unit_id=unit_id, month=month.first_day, version=measures.COMPUTATION_VERSION, calendar=calendar
            )
            .values_list("figures", flat=True)
            .first()
        )
        if cached is not None:
            return dict(cached)
    loaded = facts.load(unit_id=unit_id, month=month, calendar=facts.working_calendar_of(rows))
    figures = measures.review(measures.spine_of(loaded))
    if closed:
        month_review_store(unit_id=unit_id, month=month, calendar=calendar, figures=figures, now=now)
    return figures


def month_review_store(
    *, unit_id: int, month: facts.Month, calendar: str, figures: dict[str, Any], now: datetime
) -> MonthReview:
    """Keep a closed month's figures (replacing those of an older version or calendar)."""
    with transaction.atomic():
        review, _ = MonthReview.objects.update_or_create(
            unit_id=unit_id,
            month=month.first_day,
            defaults={
                "version": measures.COMPUTATION_VERSION,
                "calendar": calendar,
                "figures": figures,
                "computed_at": now,
            },
        )
    return review


def month_reviews_fill(*, month: facts.Month | None = None, now: datetime | None = None) -> int:
    """The worker's job after a month ends: compute and store the closed month (the previous one by default) for
    every unit that had instances; returns how many units were computed."""
    now = now or timezone.now()
    month = month or facts.Month(timezone.localdate(now).year, timezone.localdate(now).month).previous
    units = (
        Instance.objects.filter(unit_id__isnull=False, created_at__lt=month.ends())
        .values_list("unit_id", flat=True)
        .order_by()
        .distinct()
    )
    done = 0
    for unit_id in units:
        month_review(unit_id=unit_id, month=month, now=now)
        done += 1
    return done


# --- streamlining advice (精简建议): computed on every read (a period spans months, and a draft changes it) -----


def advice_of(
    *, unit_id: int, span: period.Period, options: advice.Options | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The period's streamlining advice of ``unit_id``: necessity test and suggestions, 秒批, 压件, conformance."""
    now = now or timezone.now()
    rows = facts.calendar_rows()
    log = period.load(unit_id=unit_id, period=span, calendar=facts.working_calendar_of(rows))
    return advice.advice(log, now_ms=int(now.timestamp() * 1000), options=options)


APPLICABLE = ("filing", "threshold")


def advice_apply(
    *, actor: User, unit_id: int, span: period.Period, kind: str, ref: str, options: advice.Options | None = None
) -> ProcessDefinition:
    """Apply one suggestion as a draft (草稿) of the next version of its matter type's definition: the node
    turned into filing (备案), or the threshold moved. The suggestion must still stand on the period's log and
    be about the latest published version; that version is left as it is, and nothing is published. Audited
    (``workflow.draft``, with the suggestion as the reason)."""
    if kind not in APPLICABLE:
        raise ApplicationError(_("未知的建议类型。"))
    found = next(
        (
            s
            for s in advice_of(unit_id=unit_id, span=span, options=options)["suggestions"]
            if (s["kind"], s["ref"]) == (kind, ref)
        ),
        None,
    )
    if found is None:
        raise ApplicationError(_("这条建议在所选期间已不成立，请刷新后再看。"))
    current = ProcessDefinition.objects.filter(
        key=found["matter"], version=found["version"], status=DefinitionStatus.PUBLISHED
    ).first()
    if current is None:
        raise NotFoundError(_("页面不存在。"))
    if not rights.may_redesign(actor, current.spec):
        raise NotFoundError(_("页面不存在。"))
    try:
        if kind == "filing":
            spec = redesign.as_filing(current.spec, found["node"])
            reason = _("精简建议：节点“%(node)s”改为备案") % {"node": found["node_name"]}
        else:
            threshold = next(
                t
                for t in redesign.thresholds(current.spec)
                if (t.condition, t.branch) == (found["condition"], found["branch"])
            )
            spec = redesign.with_threshold(current.spec, threshold, found["proposed"])
            reason = _("精简建议：分级阈值由 %(old)s 调整为 %(new)s") % {
                "old": f"{threshold.value:g}",
                "new": f"{found['proposed']:g}",
            }
    except (redesign.RedesignError, StopIteration) as exc:
        raise ApplicationError(_("流程定义已变化，无法按这条建议修改。")) from exc
    same = next(
        (
            d.version
            for d in ProcessDefinition.objects.filter(
                key=current.key, status=DefinitionStatus.DRAFT, version__gt=current.version
            ).only("version", "spec")
            if {k: v for k, v in d.spec.items() if k != "version"} == spec
        ),
        None,
    )
    if same is not None:  # a second press of the button, or a colleague's: one draft says it
        raise ConflictError(_("已有按这条建议生成的草稿（第 %(v)d 版）。") % {"v": same})
    return workflow.definition_draft_save(actor=actor, spec=spec, based_on=current, reason=reason)
