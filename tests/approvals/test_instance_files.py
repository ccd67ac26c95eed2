"""The files sent with a request on the instance page: listed, shown inline (PDF, images) or downloaded, under
the instance's own access rule and the node's field visibility, and listed in the print view."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from sanfu.approvals import services
from sanfu.approvals.models import Attachment, MatterType
from sanfu.workflow.models import Task
from tests.approvals.conftest import EXPENSE, PDF, PNG, pdf


def _expense(demo: dict[str, Any]) -> Any:
    return services.matter_submit(
        actor=demo["people"]["clerk"],
        matter=demo["matters"]["expense"],
        title="办公用纸报销",
        data=EXPENSE,
        materials={"invoice": [pdf("发票.pdf")], "list": [pdf("费用清单.pdf")]},
    )


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_the_approver_sees_previews_and_downloads_the_materials(demo, login):
    request = _expense(demo)
    task = Task.objects.get(instance=request.instance, status="open")
    client = login(task.assignee)
    page = client.get(f"/approvals/instances/{request.instance_id}/").content.decode()
    invoice = Attachment.objects.get(request=request, material="invoice")
    url = f"/approvals/instances/{request.instance_id}/files/{invoice.pk}/"
    assert 'id="request-files"' in page
    for text in ("发票.pdf", "费用清单.pdf", "申请材料"):
        assert text in page, text
    assert f'<iframe src="{url}?inline=1"' in page  # a PDF is previewed in the page
    assert f'href="{url}"' in page

    shown = client.get(f"{url}?inline=1")
    assert shown.status_code == 200
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["Content-Type"] == "application/pdf"
    assert shown["X-Frame-Options"] == "SAMEORIGIN"  # the page's <iframe> may show it
    assert _body(shown) == PDF

    downloaded = client.get(url)
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert _body(downloaded) == PDF

    printed = client.get(f"/approvals/instances/{request.instance_id}/print/").content.decode()
    assert "发票.pdf" in printed
    assert "费用清单.pdf" in printed


def test_outsiders_and_other_requests_files_are_404(demo, login):
    request = _expense(demo)
    other = _expense(demo)
    invoice = Attachment.objects.get(request=request, material="invoice")
    outsider = login(demo["people"]["hr"])
    assert outsider.get(f"/approvals/instances/{request.instance_id}/files/{invoice.pk}/").status_code == 404
    assert outsider.get(f"/approvals/instances/{request.instance_id}/files/{invoice.pk}/?inline=1").status_code == 404
    # a file reached through another instance the person may see is still not theirs to take
    applicant = login(demo["people"]["clerk"])
    assert applicant.get(f"/approvals/instances/{other.instance_id}/files/{invoice.pk}/").status_code == 404
    assert applicant.get(f"/approvals/instances/{request.instance_id}/files/{invoice.pk}/").status_code == 200


def test_files_of_a_field_hidden_from_the_node_are_hidden_too(demo, login):
    from sanfu.workflow import services as workflow

    people = demo["people"]
    workflow.definition_publish(
        actor=None,
        spec={
            "key": "filesperm",
            "fields": [{"name": "reason"}, {"name": "photo"}, {"name": "secret_scan"}],
            "nodes": [
                {"id": "start", "kind": "start", "next": "head"},
                {
                    "id": "head",
                    "kind": "approval",
                    "name": "审核",
                    "approvers": {"type": "users", "users": [people["gm"].pk]},
                    "fields": {"secret_scan": "hidden"},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    matter = MatterType.objects.create(
        code="filesperm",
        name="附件权限",
        definition_key="filesperm",
        form_schema={
            "fields": [
                {"name": "reason", "type": "text", "label": "事由", "required": True},
                {"name": "photo", "type": "attachment", "label": "现场照片"},
                {"name": "secret_scan", "type": "attachment", "label": "内部扫描件"},
            ]
        },
    )
    request = services.matter_submit(
        actor=people["clerk"],
        matter=matter,
        title="试",
        data={"reason": "测试"},
        files={
            "photo": [SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
            "secret_scan": [SimpleUploadedFile("内部.pdf", PDF, content_type="application/pdf")],
        },
    )
    photo = Attachment.objects.get(request=request, material="field:photo")
    secret = Attachment.objects.get(request=request, material="field:secret_scan")
    base = f"/approvals/instances/{request.instance_id}"

    approver = login(people["gm"])
    page = approver.get(f"{base}/").content.decode()
    assert "现场.png" in page
    assert f'<img src="{base}/files/{photo.pk}/?inline=1"' in page  # an image is shown in the page
    assert "内部.pdf" not in page
    assert "内部扫描件" not in page
    assert approver.get(f"{base}/files/{secret.pk}/").status_code == 404
    assert approver.get(f"{base}/files/{photo.pk}/?inline=1")["Content-Type"] == "image/png"
    assert "内部.pdf" not in approver.get(f"{base}/print/").content.decode()

    applicant = login(people["clerk"])  # the applicant's own page hides nothing
    assert "内部.pdf" in applicant.get(f"{base}/").content.decode()
    assert applicant.get(f"{base}/files/{secret.pk}/").status_code == 200


def test_a_file_that_is_not_previewable_is_always_a_download(demo, login):
    request = _expense(demo)
    invoice = Attachment.objects.get(request=request, material="invoice")
    Attachment.objects.filter(pk=invoice.pk).update(content_type="application/msword", name="清单.doc")
    client = login(demo["people"]["clerk"])
    page = client.get(f"/approvals/instances/{request.instance_id}/").content.decode()
    assert f"files/{invoice.pk}/?inline=1" not in page
    response = client.get(f"/approvals/instances/{request.instance_id}/files/{invoice.pk}/?inline=1")
    assert response["Content-Disposition"].startswith("attachment")
