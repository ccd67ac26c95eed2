"""材料文件: files uploaded per material with an online request, scanned at the desk, or brought after a return —
checked by the house's upload rules and the matter's formats (refused whole, nothing stored), listed per material
on the request's page and downloadable only by whoever may see the request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sanfu.core.errors import ApplicationError
from sanfu.servicedesk import services
from sanfu.servicedesk.models import RequestFile, RequestStatus, ServiceRequest
from tests.servicedesk.conftest import walk_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% an ID card copy\n"
XLSX = b"PK\x03\x04 an expense list"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def pdf(name: str = "身份证复印件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def download(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_an_online_upload_is_listed_and_downloadable_by_the_department_head(
    desk: dict[str, Any], login: Callable[[Any], Client], media: Path
) -> None:
    proof = desk["proof"].pk
    online = login(desk["accountant"]).get(f"/service/services/{proof}/").content.decode()
    assert 'enctype="multipart/form-data" id="online-form"' in online
    assert 'name="file-m1"' in online
    response = login(desk["accountant"]).post(
        f"/service/services/{proof}/", {"summary": "开具在职证明", "file-m1": pdf()}
    )
    assert response.status_code == 302
    request = ServiceRequest.objects.get()
    assert request.materials_received == ["m1"]  # the uploaded material counts as presented
    stored = RequestFile.objects.get()
    assert (stored.material_code, stored.material_name, stored.name) == ("m1", "身份证复印件", "身份证复印件.pdf")
    assert stored.uploaded_by == desk["accountant"]
    assert len(stored_files(media)) == 1
    url = f"/service/requests/{request.pk}/files/{stored.pk}/"
    for person in ("finance_head", "office_head", "clerk", "accountant"):
        client = login(desk[person])
        page = client.get(f"/service/requests/{request.pk}/").content.decode()
        assert url in page, person
        assert download(client, url) == PDF
    for person in ("stranger", "section_head", "deputy"):
        assert login(desk[person]).get(url).status_code == 404, person
    assert login(desk["finance_head"]).get(f"/service/requests/{request.pk}/files/{stored.pk + 1}/").status_code == 404


def test_bad_files_are_refused_each_named_and_nothing_is_stored(
    desk: dict[str, Any], login: Callable[[Any], Client], media: Path
) -> None:
    client = login(desk["accountant"])
    response = client.post(
        f"/service/services/{desk['expense'].pk}/",
        {
            "summary": "报销差旅费",
            "file-invoice": SimpleUploadedFile("发票.pdf", b"MZ\x90\x00 not a pdf"),
            "file-list": pdf("明细.pdf"),  # the matter wants XLSX
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "发票.pdf" in page
    assert "明细.pdf" in page
    assert "XLSX" in page
    assert ServiceRequest.objects.count() == 0
    assert RequestFile.objects.count() == 0
    assert stored_files(media) == []
    done = client.post(
        f"/service/services/{desk['expense'].pk}/",
        {"summary": "报销差旅费", "file-invoice": pdf("发票.pdf"), "file-list": SimpleUploadedFile("明细.xlsx", XLSX)},
    )
    assert done.status_code == 302
    assert sorted(RequestFile.objects.values_list("material_code", flat=True)) == ["invoice", "list"]


def test_a_file_for_a_material_not_on_the_list_or_of_a_refused_kind_is_refused(desk: dict[str, Any]) -> None:
    data = {"service_id": desk["proof"].pk, "summary": "开证明", "materials": ["m1"]}
    with pytest.raises(ApplicationError, match="不属于"):
        services.request_register(actor=desk["accountant"], data=services.RequestIn(**data, files={"invoice": [pdf()]}))
    with pytest.raises(ApplicationError, match=r"工具\.exe"):
        services.request_register(
            actor=desk["accountant"],
            data=services.RequestIn(**data, files={"m2": [SimpleUploadedFile("工具.exe", b"MZ\x90\x00")]}),
        )
    assert ServiceRequest.objects.count() == 0


def test_the_desk_attaches_scanned_papers(desk: dict[str, Any], login: Callable[[Any], Client]) -> None:
    proof, expense = desk["proof"].pk, desk["expense"].pk
    form = {
        "channel": "window",
        "service": proof,
        "caller_name": "李女士",
        "phone": "0551-62881234",
        "summary": "开具收入证明",
        f"file-{proof}:m1": pdf("扫描件.pdf"),
        f"file-{expense}:invoice": pdf("别的服务.pdf"),  # another service's field: not this request's
    }
    assert login(desk["clerk"]).post("/service/desk/", form).status_code == 302
    request = ServiceRequest.objects.get()
    assert request.materials_received == ["m1"]
    assert list(request.files.values_list("name", flat=True)) == ["扫描件.pdf"]


def test_a_return_is_answered_with_files(desk: dict[str, Any], login: Callable[[Any], Client], media: Path) -> None:
    request = walk_in(desk)
    returned = services.request_return_material(
        actor=desk["finance_head"], request_id=request.pk, items=["单位介绍信", "近三个月工资条"]
    )
    requester = login(desk["accountant"])
    act = f"/service/requests/{request.pk}/act/"
    form = requester.get(f"/service/requests/{request.pk}/").content.decode()
    assert 'enctype="multipart/form-data" id="supply-form"' in form
    assert 'name="file-m2"' in form
    assert 'name="file-other"' in form
    bad = requester.post(act, {"action": "supply", "file-m2": SimpleUploadedFile("介绍信.pdf", b"not a pdf")})
    assert bad.status_code == 400
    assert "介绍信.pdf" in bad.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING
    assert stored_files(media) == []
    answered = requester.post(act, {"action": "supply", "file-m2": pdf("介绍信.pdf"), "file-other": pdf("工资条.pdf")})
    assert answered.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.HANDLING
    assert request.materials_received == ["m1", "m2"]
    files = {f.name: f for f in request.files.all()}
    assert set(files) == {"介绍信.pdf", "工资条.pdf"}
    assert {f.material_return_id for f in files.values()} == {returned.pk}
    assert files["工资条.pdf"].material_name == "其他材料"
    head = login(desk["finance_head"])
    page = head.get(f"/service/requests/{request.pk}/").content.decode()
    assert "单位介绍信" in page
    assert "工资条.pdf" in page
    assert download(head, f"/service/requests/{request.pk}/files/{files['工资条.pdf'].pk}/") == PDF
