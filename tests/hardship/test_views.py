"""爱心基金 pages: applying with a file, the rights (another staff member, a process administrator, a system
administrator and the company's leader all get 404 for the page and its file), the steps from the page,
我的待办 opening the application's page, payments and the year's total."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sanfu.core.models import AuditRecord
from sanfu.hardship import services
from sanfu.hardship.models import Application, Method, Status
from sanfu.workflow import subjects
from tests.hardship.conftest import apply

PDF = b"%PDF-1.4\n% a proof\n"


def test_applying_from_the_page(hs: dict[str, Any], login: Any) -> None:
    client = login(hs["accountant"])
    response = client.post(
        reverse("hardship:new"),
        {
            "reason": "孩子住院",
            "family_situation": "单亲家庭",
            "amount_requested": "8000",
            "confidentiality": "secret",
            "attachments": [SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")],
        },
    )
    made = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hardship:detail", args=[made.pk])
    assert made.attachments.count() == 1
    page = client.get(reverse("hardship:detail", args=[made.pk])).content.decode()
    assert "孩子住院" in page
    assert "证明.pdf" in page


def test_bad_input_on_the_form_changes_nothing(hs: dict[str, Any], login: Any) -> None:
    response = login(hs["accountant"]).post(
        reverse("hardship:new"),
        {"reason": "x", "family_situation": "y", "amount_requested": "-5", "confidentiality": "secret"},
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not Application.objects.exists()


def test_everyone_but_the_applicant_and_the_committee_gets_404(hs: dict[str, Any], admins: Any, login: Any) -> None:
    proof = SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")
    a = apply(hs["accountant"], files=[proof])
    file_id = a.attachments.get().pk
    for person in [hs["finance_head"], hs["clerk"], hs["padmin"], hs["gm"], hs["stranger"], admins["sysadmin"]]:
        client = login(person)
        assert client.get(reverse("hardship:detail", args=[a.pk])).status_code == 404, person
        assert client.get(reverse("hardship:file", args=[a.pk, file_id])).status_code == 404, person
        assert client.post(reverse("hardship:approve", args=[a.pk]), {"amount": "1"}).status_code == 404, person
        assert client.get(reverse("hardship:payments")).status_code == 404, person
        assert "家属重病" not in client.get(reverse("hardship:list")).content.decode()
    assert Application.objects.get(pk=a.pk).status == Status.REVIEW
    member = login(hs["office_head"])
    assert member.get(reverse("hardship:detail", args=[a.pk])).status_code == 200
    assert member.get(reverse("hardship:file", args=[a.pk, file_id])).status_code == 200
    assert AuditRecord.objects.filter(action="classified.read", actor_id=hs["office_head"].pk).count() == 2


def test_the_inbox_opens_the_application_page(hs: dict[str, Any]) -> None:
    a = apply(hs["accountant"])
    subject = subjects.subject_of("hardship-apply")
    assert subject is not None
    assert subject.pages([a.instance_id]) == {a.instance_id: reverse("hardship:detail", args=[a.pk])}  # type: ignore[list-item]


def test_review_approve_and_pay_from_the_page(hs: dict[str, Any], login: Any) -> None:
    a = apply(hs["accountant"], amount="5000")
    member, chair = login(hs["office_head"]), login(hs["deputy"])
    assert "approve-form" in member.get(reverse("hardship:detail", args=[a.pk])).content.decode()
    assert "approve-form" not in chair.get(reverse("hardship:detail", args=[a.pk])).content.decode()
    member.post(reverse("hardship:approve", args=[a.pk]), {"amount": "4000", "comment": "情况属实"})
    chair.post(reverse("hardship:approve", args=[a.pk]), {"comment": "同意"})
    assert Application.objects.get(pk=a.pk).status == Status.APPROVED
    today = timezone.localdate()
    refused = member.post(
        reverse("hardship:pay", args=[a.pk]),
        {"amount": "5000", "paid_on": today.isoformat(), "method": Method.TRANSFER, "voucher_no": "HX-1"},
        follow=True,
    )
    assert "不能超过批准金额" in refused.content.decode()
    member.post(
        reverse("hardship:pay", args=[a.pk]),
        {"amount": "4000", "paid_on": today.isoformat(), "method": Method.TRANSFER, "voucher_no": "HX-1"},
    )
    assert Application.objects.get(pk=a.pk).paid_total == 4000
    page = member.get(reverse("hardship:payments"), {"year": today.year}).content.decode()
    assert "HX-1" in page
    assert "4,000.00" in page
    applicant_page = login(hs["accountant"]).get(reverse("hardship:detail", args=[a.pk])).content.decode()
    assert "情况属实" in applicant_page
    assert "HX-1" in applicant_page


def test_rejecting_from_the_page_needs_a_reason(hs: dict[str, Any], login: Any) -> None:
    a = apply(hs["accountant"])
    member = login(hs["office_head"])
    shown = member.post(reverse("hardship:reject", args=[a.pk]), {"comment": ""}, follow=True).content.decode()
    assert "写明理由" in shown
    member.post(reverse("hardship:reject", args=[a.pk]), {"comment": "收入超过标准"})
    assert Application.objects.get(pk=a.pk).status == Status.REJECTED


def test_last_years_payments(hs: dict[str, Any], login: Any) -> None:
    a = apply(hs["accountant"])
    services.application_approve(actor=hs["office_head"], application_id=a.pk, amount="1000")
    services.application_approve(actor=hs["deputy"], application_id=a.pk)
    last = date(timezone.localdate().year - 1, 12, 30)
    services.payment_record(
        actor=hs["office_head"], application_id=a.pk, amount="600", paid_on=last, method=Method.CASH, voucher_no="L-1"
    )
    page = login(hs["deputy"]).get(reverse("hardship:payments"), {"year": last.year}).content.decode()
    assert "L-1" in page
    assert 'id="year-total">600' in page


def test_the_list_costs_the_same_with_many_applications(hs: dict[str, Any], login: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(hs["office_head"])

    def cost() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("hardship:list")).status_code == 200
        return len(captured)

    apply(hs["accountant"])
    cost()  # the first visit fills the session's caches
    few = cost()
    for person in ("finance_head", "clerk", "section_head", "accountant"):
        apply(hs[person])
    assert cost() == few


def test_an_application_is_known_by_its_number_not_its_id(hs: dict[str, Any], login: Any) -> None:
    a = apply(hs["accountant"], amount="12000")
    number = f"AX{timezone.localtime(a.submitted_at):%Y%m%d}{a.pk:05d}"
    assert a.instance is not None
    assert a.instance.title == f"爱心基金申请 {number}"
    for person in (hs["accountant"], hs["office_head"]):
        listing = login(person).get(reverse("hardship:list")).content.decode()
        assert number in listing
        assert f"#{a.pk}" not in listing
        assert "12,000.00" in listing
    page = login(hs["office_head"]).get(reverse("hardship:detail", args=[a.pk])).content.decode()
    assert f'<span id="application-number">{number}</span>' in page
    assert f"#{a.pk}" not in page
