"""督办 through its services: creation and its refusals, decomposition, progress, checks, comments, and the
close-out loop on the flow engine (rejected → reopened, approved → closed and filed into the archive)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.archive.models import ArchiveRecord
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.supervision import selectors, services
from sanfu.supervision.models import CloseoutStatus, Item, ItemState
from sanfu.workflow.models import InstanceStatus
from tests.supervision.conftest import new_item, pdf

pytestmark = pytest.mark.django_db


def test_create_refuses_a_past_deadline_and_leaves_nothing(sup: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="完成时限不能早于今天"):
        new_item(sup, days=-1)
    assert not Item.objects.exists()


def test_create_is_for_the_office_and_leaders(sup: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.item_create(actor=sup["accountant"], title="x", owner=sup["accountant"], deadline=timezone.localdate())
    item = new_item(sup)
    assert item.assigned_by == sup["gm"]
    assert item.unit_id == sup["finance"].unit_id
    assert item.indicators.count() == 1
    assert item.milestones.count() == 1


def test_progress_report_updates_the_item_and_refuses_bad_percent(sup: dict[str, Any]) -> None:
    item = new_item(sup)
    indicator = item.indicators.get()
    with pytest.raises(ApplicationError, match="0 到 100"):
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="进展", percent=101)
    with pytest.raises(PermissionDeniedError):
        services.progress_report(actor=sup["clerk"], item_id=item.pk, text="进展", percent=10)
    report = services.progress_report(
        actor=sup["accountant"],
        item_id=item.pk,
        text="已完成两台",
        percent=50,
        indicator_values={indicator.pk: "2"},
        files=[pdf()],
    )
    item.refresh_from_db()
    indicator.refresh_from_db()
    assert item.last_percent == 50
    assert item.last_report_at == report.created_at
    assert indicator.current == 2
    assert report.files.count() == 1


def test_a_bad_upload_refuses_the_report_whole(sup: dict[str, Any]) -> None:
    item = new_item(sup)
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("佐证.pdf", b"MZ not a pdf")
    with pytest.raises(ApplicationError, match="内容与扩展名不符"):
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="进展", percent=10, files=[fake])
    item.refresh_from_db()
    assert item.last_percent == 0
    assert not item.reports.exists()


def test_outsider_gets_not_found(sup: dict[str, Any]) -> None:
    item = new_item(sup)
    with pytest.raises(NotFoundError):
        selectors.access_item(actor=sup["outsider"], item_id=item.pk)
    with pytest.raises(NotFoundError):
        services.comment_add(actor=sup["outsider"], item_id=item.pk, text="看看")


def test_visibility_owner_chain_assigner_office_and_not_others(sup: dict[str, Any]) -> None:
    item = new_item(sup)
    secret = new_item(sup, title="涉密事项", confidentiality="secret")
    for name in ("accountant", "finance_head", "gm", "clerk"):
        assert selectors.visible_items(sup[name]).filter(pk=item.pk).exists(), name
    # 内部 in the unit opens to the office; 秘密 does not without the clearance — but the owner's chain knows it
    assert not selectors.visible_items(sup["clerk"]).filter(pk=secret.pk).exists()
    assert selectors.visible_items(sup["finance_head"]).filter(pk=secret.pk).exists()
    assert selectors.visible_items(sup["gm"]).filter(pk=secret.pk).exists()
    for name in ("section_head", "outsider", "office_head"):
        assert not selectors.visible_items(sup[name]).filter(pk=secret.pk).exists(), name


def test_decompose_down_to_a_person(sup: dict[str, Any]) -> None:
    item = new_item(sup)
    with pytest.raises(ApplicationError, match="不能晚于上级事项"):
        services.item_decompose(
            actor=sup["accountant"],
            item_id=item.pk,
            title="一号机组",
            owner=sup["finance_head"],
            deadline=item.deadline + timedelta(days=1),
        )
    child = services.item_decompose(
        actor=sup["accountant"], item_id=item.pk, title="一号机组", owner=sup["finance_head"], deadline=item.deadline
    )
    assert child.parent == item
    assert child.assigned_by == sup["accountant"]
    with pytest.raises(ApplicationError, match="下级事项尚未全部销号"):
        services.closeout_apply(actor=sup["accountant"], item_id=item.pk, summary="完成")


def test_closeout_rejected_reopens_then_approved_closes_and_archives(sup: dict[str, Any]) -> None:
    item = new_item(sup)
    services.progress_report(actor=sup["accountant"], item_id=item.pk, text="全部完成", percent=100, files=[pdf()])
    services.check_record(actor=sup["clerk"], item_id=item.pk, kind="on_site", findings="现场查看属实")
    services.comment_add(actor=sup["gm"], item_id=item.pk, text="抓紧收尾")
    first = services.closeout_apply(actor=sup["accountant"], item_id=item.pk, summary="已完成", files=[pdf("总结.pdf")])
    item.refresh_from_db()
    assert item.state == ItemState.CLOSING
    with pytest.raises(ApplicationError, match="不能再报送进展"):
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="再报", percent=100)
    with pytest.raises(ApplicationError):  # the applicant is not an approver
        services.closeout_approve(actor=sup["accountant"], item_id=item.pk, score=5)
    services.closeout_reject(actor=sup["gm"], item_id=item.pk, comment="佐证不足")
    item.refresh_from_db()
    first.refresh_from_db()
    assert item.state == ItemState.OPEN
    assert first.status == CloseoutStatus.REJECTED
    assert first.instance is not None
    assert first.instance.status == InstanceStatus.REJECTED

    services.closeout_apply(actor=sup["accountant"], item_id=item.pk, summary="补充佐证后完成")
    with pytest.raises(ApplicationError, match="1 到 5"):
        services.closeout_approve(actor=sup["clerk"], item_id=item.pk, score=6)
    services.closeout_approve(actor=sup["clerk"], item_id=item.pk, score=4, comment="同意")
    item.refresh_from_db()
    assert item.state == ItemState.CLOSED
    assert item.closed_at is not None
    record = ArchiveRecord.objects.get(source="supervision", source_id=item.pk)
    assert item.archive_ref == str(record.pk)
    whats = [e["what"] for e in record.history]
    assert whats[0] == "立项"  # the file starts where the item did
    assert "进展报送" in whats
    assert "实地督查" in whats
    assert "领导批示" in whats
    assert "approved" in whats
    assert record.files.count() == 2
    with pytest.raises(ApplicationError, match="不能再报送进展"):
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="再报", percent=100)
    with pytest.raises(ConflictError):  # a second approval: nothing pending any more
        services.closeout_approve(actor=sup["gm"], item_id=item.pk, score=3)


def test_two_approvers_at_once_one_wins(sup: dict[str, Any]) -> None:
    item = new_item(sup)
    services.closeout_apply(actor=sup["accountant"], item_id=item.pk, summary="完成")
    services.closeout_approve(actor=sup["gm"], item_id=item.pk, score=5)
    with pytest.raises(ApplicationError) as lost:  # the office's approval of the same application
        services.closeout_reject(actor=sup["clerk"], item_id=item.pk, comment="退回")
    assert lost.value.code == "conflict"
    item.refresh_from_db()
    assert item.state == ItemState.CLOSED


def test_a_stale_lifecycle_step_is_a_conflict_and_changes_nothing(sup: dict[str, Any]) -> None:
    item = new_item(sup)
    stale = Item.objects.get(pk=item.pk)
    services.progress_report(actor=sup["accountant"], item_id=item.pk, text="进展", percent=30)  # version moves
    with pytest.raises(ConflictError):
        services._move(stale, frm=ItemState.OPEN, to=ItemState.CLOSING)
    item.refresh_from_db()
    assert item.state == ItemState.OPEN


def test_a_source_link_is_only_ever_a_path_of_this_site(sup: dict[str, Any]) -> None:
    item = new_item(sup, source="meeting", source_ref="m1", source_url="/meetings/1/")
    assert item.source_link == "/meetings/1/"
    for url in ("javascript:alert(1)", "//evil.example/x", "https://evil.example/"):
        item.source_url = url
        assert item.source_link == "", url


def test_the_inbox_opens_the_items_page_for_a_closeout_task(sup: dict[str, Any]) -> None:
    from django.urls import reverse

    from sanfu.workflow import subjects

    item = new_item(sup)
    closeout = services.closeout_apply(actor=sup["accountant"], item_id=item.pk, summary="完成")
    assert closeout.instance_id is not None
    assert subjects.page_of(closeout.instance_id) == reverse("supervision:item", args=[item.pk])


def test_a_closeout_whose_flow_cannot_start_changes_nothing(sup: dict[str, Any], monkeypatch: Any) -> None:
    item = new_item(sup)

    def refuse(**_kwargs: Any) -> None:
        raise ApplicationError("流程无法启动")

    monkeypatch.setattr(services.workflow, "instance_start", refuse)
    with pytest.raises(ApplicationError, match="流程无法启动"):
        services.closeout_apply(actor=sup["accountant"], item_id=item.pk, summary="完成", files=[pdf()])
    item.refresh_from_db()
    assert item.state == ItemState.OPEN
    assert item.applied_at is None
    assert not item.closeouts.exists()
    assert not item.files.exists()
