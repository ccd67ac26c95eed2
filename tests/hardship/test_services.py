"""爱心基金 services: applying starts the flow (committee review, then the chair), the rights (only the applicant
and the committee read it, every committee read audited), approval and rejection through the flow, payments
within the approved amount, and bad input that changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.hardship import selectors, services
from sanfu.hardship.models import COMMITTEE_ROLE, Application, Attachment, Method, Payment, Status
from sanfu.org.clearance import Level
from sanfu.workflow.models import Instance, InstanceEvent, InstanceStatus
from sanfu.workflow.selectors import visible_instances
from tests.conftest import grant
from tests.hardship.conftest import apply

PDF = b"%PDF-1.4\n% a small proof\n"


def _approved(hs: dict[str, Any], amount: str = "5000", granted: str = "3000") -> Application:
    a = apply(hs["accountant"], amount=amount)
    services.application_approve(actor=hs["office_head"], application_id=a.pk, amount=granted)
    return services.application_approve(actor=hs["deputy"], application_id=a.pk)


def test_applying_starts_the_flow_marked_with_the_level(hs: dict[str, Any]) -> None:
    proof = SimpleUploadedFile("诊断证明.pdf", PDF, content_type="application/pdf")
    a = apply(hs["accountant"], files=[proof])
    assert a.status == Status.REVIEW
    assert a.instance is not None
    instance = Instance.objects.get(pk=a.instance.pk)
    assert (instance.confidentiality, instance.unit_id) == (Level.SECRET, hs["unit"].pk)
    assert Attachment.objects.get(application=a).name == "诊断证明.pdf"
    assert services.may_act(hs["office_head"], a)
    assert not services.may_act(hs["deputy"], a)


def test_the_flow_instance_is_hidden_from_a_process_administrator(hs: dict[str, Any]) -> None:
    a = apply(hs["accountant"])
    assert not visible_instances(hs["padmin"]).filter(pk=a.instance_id).exists()


def test_only_the_applicant_and_the_committee_read_it(hs: dict[str, Any]) -> None:
    a = apply(hs["accountant"], level=Level.INTERNAL)
    for person in ("finance_head", "clerk", "padmin", "gm", "stranger"):
        with pytest.raises(NotFoundError):
            services.application_open(actor=hs[person], application_id=a.pk)
        assert list(selectors.visible_applications(hs[person])) == []
    assert services.application_open(actor=hs["accountant"], application_id=a.pk) == a
    assert services.application_open(actor=hs["office_head"], application_id=a.pk) == a
    assert AuditRecord.objects.filter(action="access.denied", target=f"hardship:{a.pk}").count() == 5


def test_every_committee_read_is_audited(hs: dict[str, Any]) -> None:
    secret = apply(hs["accountant"])
    internal = apply(hs["accountant"], level=Level.INTERNAL)
    services.application_open(actor=hs["office_head"], application_id=secret.pk)
    services.application_open(actor=hs["office_head"], application_id=secret.pk)
    services.application_open(actor=hs["deputy"], application_id=internal.pk)
    services.application_open(actor=hs["accountant"], application_id=secret.pk)
    reads = AuditRecord.objects.filter(action="classified.read", target=f"hardship:{secret.pk}")
    assert [r.actor_id for r in reads] == [hs["office_head"].pk, hs["office_head"].pk]
    assert reads.first().detail == {"level": "secret"}  # type: ignore[union-attr]
    assert AuditRecord.objects.filter(action="hardship.read", actor_id=hs["deputy"].pk).count() == 1


def test_review_then_the_chair_approves(hs: dict[str, Any]) -> None:
    a = apply(hs["accountant"])
    with pytest.raises(ApplicationError):
        services.application_approve(actor=hs["deputy"], application_id=a.pk)  # not the chair's turn
    with pytest.raises(ApplicationError, match="批准金额不能超过5000"):
        services.application_approve(actor=hs["office_head"], application_id=a.pk, amount="6000")
    reviewed = services.application_approve(actor=hs["office_head"], application_id=a.pk, amount="3000")
    assert (reviewed.status, reviewed.amount_approved) == (Status.CHAIR, Decimal("3000"))
    done = services.application_approve(actor=hs["deputy"], application_id=a.pk, comment="同意资助")
    assert (done.chair_note, reviewed.review_note) == ("同意资助", "同意")
    assert done.status == Status.APPROVED
    assert done.decided_at is not None
    assert Instance.objects.get(pk=a.instance_id).status == InstanceStatus.APPROVED


def test_rejection_ends_it_and_needs_a_reason(hs: dict[str, Any]) -> None:
    a = apply(hs["accountant"])
    with pytest.raises(ApplicationError, match="写明理由"):
        services.application_reject(actor=hs["office_head"], application_id=a.pk, comment=" ")
    assert Application.objects.get(pk=a.pk).status == Status.REVIEW
    rejected = services.application_reject(actor=hs["office_head"], application_id=a.pk, comment="不符合条件")
    assert (rejected.status, rejected.review_note) == (Status.REJECTED, "不符合条件")
    # the reason stays on the application: the flow's history opens to whoever holds the 秘密 clearance
    assert not InstanceEvent.objects.filter(instance_id=a.instance_id, comment__contains="不符合条件").exists()
    assert Instance.objects.get(pk=a.instance_id).status == InstanceStatus.REJECTED
    with pytest.raises(ConflictError):
        services.application_approve(actor=hs["deputy"], application_id=a.pk)


def test_outsiders_cannot_act_and_the_applicant_cannot_approve(hs: dict[str, Any]) -> None:
    roles = services.ensure_committee_roles()
    grant(hs["finance_head"], roles[COMMITTEE_ROLE])
    a = apply(hs["office_head"])  # a committee member applies: another member must review
    assert services.may_act(hs["finance_head"], a)
    with pytest.raises(PermissionDeniedError):
        services.application_approve(actor=hs["office_head"], application_id=a.pk, amount="100")
    with pytest.raises(NotFoundError):
        services.application_approve(actor=hs["padmin"], application_id=a.pk, amount="100")
    assert Application.objects.get(pk=a.pk).status == Status.REVIEW


def test_a_unit_without_a_committee_refuses_and_writes_nothing(hs: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="尚未设立爱心基金委员会"):
        apply(hs["stranger"])
    assert not Application.objects.exists()
    assert not Instance.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount_requested": "0"}, "必须大于零"),
        ({"amount_requested": "abc"}, "请填写申请金额"),
        ({"amount_requested": "1.005"}, "两位小数"),
        ({"amount_requested": "999999"}, "不能超过"),
        ({"reason": " "}, "请填写申请事由"),
        ({"confidentiality": "confidential"}, "请选择密级"),
    ],
)
def test_bad_input_changes_nothing(hs: dict[str, Any], change: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {
        "reason": "事由",
        "family_situation": "家庭",
        "amount_requested": "100",
        "confidentiality": Level.SECRET,
    }
    fields.update(change)
    with pytest.raises(ApplicationError, match=message):
        services.application_submit(actor=hs["accountant"], data=services.ApplicationIn(**fields))
    assert not Application.objects.exists()
    assert not Instance.objects.exists()


def test_a_file_that_is_not_what_it_claims_is_refused(hs: dict[str, Any]) -> None:
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ApplicationError, match="内容与扩展名不符"):
        apply(hs["accountant"], files=[fake])
    assert not Application.objects.exists()


def test_payments_stay_within_the_approved_amount_and_total_per_year(hs: dict[str, Any]) -> None:
    a = _approved(hs)
    today = timezone.localdate()
    services.payment_record(
        actor=hs["office_head"],
        application_id=a.pk,
        amount="2000",
        paid_on=today,
        method=Method.TRANSFER,
        voucher_no="V-1",
    )
    with pytest.raises(ConflictError, match="不能超过批准金额"):
        services.payment_record(
            actor=hs["office_head"],
            application_id=a.pk,
            amount="1000.01",
            paid_on=today,
            method=Method.CASH,
            voucher_no="V-2",
        )
    with pytest.raises(ConflictError, match="已登记过"):
        services.payment_record(
            actor=hs["office_head"],
            application_id=a.pk,
            amount="10",
            paid_on=today,
            method=Method.CASH,
            voucher_no="V-1",
        )
    with pytest.raises(ApplicationError, match="不能晚于今天"):
        services.payment_record(
            actor=hs["office_head"],
            application_id=a.pk,
            amount="10",
            paid_on=today + timedelta(days=1),
            method=Method.CASH,
            voucher_no="V-3",
        )
    with pytest.raises(NotFoundError):
        services.payment_record(
            actor=hs["accountant"],
            application_id=a.pk,
            amount="10",
            paid_on=today,
            method=Method.CASH,
            voucher_no="V-4",
        )
    services.payment_record(
        actor=hs["deputy"],
        application_id=a.pk,
        amount="1000",
        paid_on=date(today.year, 1, 1),
        method=Method.CARD,
        voucher_no="V-5",
    )
    assert Application.objects.get(pk=a.pk).paid_total == Decimal("3000")
    assert Payment.objects.count() == 2
    year = selectors.payments_in_year(hs["office_head"], today.year)
    assert year.total == Decimal("3000")
    assert len(year.payments) == 2
    assert selectors.payments_in_year(hs["accountant"], today.year).total == Decimal("0")
    assert selectors.payment_years(hs["deputy"]) == [(today.year, Decimal("3000"))]


def test_payment_only_on_an_approved_application(hs: dict[str, Any]) -> None:
    a = apply(hs["accountant"])
    with pytest.raises(ConflictError, match="只有已批准"):
        services.payment_record(
            actor=hs["office_head"],
            application_id=a.pk,
            amount="10",
            paid_on=timezone.localdate(),
            method=Method.CASH,
            voucher_no="V-9",
        )
    assert not Payment.objects.exists()
