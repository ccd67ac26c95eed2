"""材料文件 over the REST API: a request's files listed and downloaded by whoever may see the request, and one file
uploaded (multipart) to answer a return for missing material — checked by the same service as the pages (a bad
kind, a file too big, a material not on the list: 422 and nothing stored); a request that awaits nothing is a 409,
another unit's (or another person's) request or file a 404, a token without the write scope a 403."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sanfu.api.tokens import token_issue
from sanfu.servicedesk import services
from sanfu.servicedesk.models import RequestFile, RequestStatus, ServiceRequest
from sanfu.servicedesk.services import files as file_rules
from tests.servicedesk.conftest import walk_in

pytestmark = pytest.mark.django_db
BOTH = ["servicedesk:read", "servicedesk:write"]
PDF = b"%PDF-1.4\n% a letter of introduction\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


class Api:
    def __init__(self, user: Any, scopes: list[str] = BOTH):
        _token, raw = token_issue(actor=user, name="测试", scopes=scopes, days=30)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/servicedesk{path}", headers=self.headers)

    def upload(self, path: str, form: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1/servicedesk{path}", form, headers=self.headers)  # multipart


def pdf(name: str = "介绍信.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def returned(desk: dict[str, Any]) -> ServiceRequest:
    """The accountant's walk-in request, returned by 财务部 for a missing letter."""
    request = walk_in(desk)
    services.request_return_material(actor=desk["finance_head"], request_id=request.pk, items=["单位介绍信"])
    return request


def test_upload_list_and_download(desk: dict[str, Any], media: Path) -> None:
    request = returned(desk)
    api = Api(desk["accountant"])
    files = f"/requests/{request.pk}/files"
    assert api.get(files).json() == []
    made = api.upload(files, {"material": "m2", "note": "补交介绍信", "file": pdf()})
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["material_code"], body["material_name"], body["name"]) == ("m2", "单位介绍信", "介绍信.pdf")
    assert (body["size"], body["uploaded_by"], body["for_return"]) == (len(PDF), desk["accountant"].display_name, True)
    request.refresh_from_db()
    assert request.status == RequestStatus.HANDLING  # the departments go on, as after the page's 补齐材料
    assert request.materials_received == ["m1", "m2"]
    for person in ("accountant", "finance_head", "office_head", "clerk"):
        listed = Api(desk[person], ["servicedesk:read"]).get(files)
        assert listed.status_code == 200, person
        assert [f["id"] for f in listed.json()] == [body["id"]], person
        got = Api(desk[person], ["servicedesk:read"]).get(f"{files}/{body['id']}")
        assert got.status_code == 200, person
        assert b"".join(got.streaming_content) == PDF, person
        assert "介绍信.pdf" in got["Content-Disposition"] or "filename*" in got["Content-Disposition"]
    assert api.upload(files, {"material": "m2", "file": pdf()}).status_code == 409  # nothing awaits any more
    assert RequestFile.objects.count() == 1
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize(
    ("form", "named"),
    [
        ({"material": "m2", "file": pdf(content=b"MZ\x90\x00 not a pdf")}, "介绍信.pdf"),  # content is not a PDF
        ({"material": "m2", "file": SimpleUploadedFile("工具.exe", b"MZ\x90\x00")}, "工具.exe"),  # a refused kind
        ({"material": "invoice", "file": pdf()}, "不属于"),  # another service's material
        ({"material": "m2", "file": pdf(), "surprise": "1"}, "surprise"),  # a field the operation does not know
        ({"material": "m2"}, "file"),  # no file
    ],
)
def test_a_bad_upload_is_a_422_and_nothing_is_stored(
    desk: dict[str, Any], media: Path, form: dict[str, Any], named: str
) -> None:
    request = returned(desk)
    refused = Api(desk["accountant"]).upload(f"/requests/{request.pk}/files", form)
    assert refused.status_code == 422, refused.content
    assert named in refused.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING
    assert not RequestFile.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_a_422_and_nothing_is_stored(desk: dict[str, Any], media: Path) -> None:
    request = returned(desk)
    too_big = PDF + b"0" * (file_rules.MAX_MB * 1024 * 1024 + 1 - len(PDF))
    refused = Api(desk["accountant"]).upload(
        f"/requests/{request.pk}/files", {"material": "m2", "file": pdf(content=too_big)}
    )
    assert refused.status_code == 422
    assert f"{file_rules.MAX_MB} MB" in refused.json()["error"]["message"]
    assert not RequestFile.objects.exists()
    assert stored_files(media) == []
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING


def test_outsiders_get_a_404_and_scopes_hold(desk: dict[str, Any], media: Path) -> None:
    request = returned(desk)
    files = f"/requests/{request.pk}/files"
    Api(desk["accountant"]).upload(files, {"material": "m2", "file": pdf()})
    stored = RequestFile.objects.get()
    for person in ("stranger", "section_head"):  # another unit; a colleague who is no party to the request
        outsider = Api(desk[person])
        assert outsider.get(files).status_code == 404, person
        assert outsider.get(f"{files}/{stored.pk}").status_code == 404, person
        assert outsider.upload(files, {"material": "m2", "file": pdf()}).status_code == 404, person
    other = walk_in(desk)  # the file under a request it does not belong to
    assert Api(desk["accountant"]).get(f"/requests/{other.pk}/files/{stored.pk}").status_code == 404
    assert Api(desk["accountant"]).get(f"{files}/{stored.pk + 1}").status_code == 404
    services.request_return_material(actor=desk["finance_head"], request_id=other.pk, items=["单位介绍信"])
    read_only = Api(desk["accountant"], ["servicedesk:read"])
    assert read_only.upload(f"/requests/{other.pk}/files", {"material": "m2", "file": pdf()}).status_code == 403
    anonymous = Client().post(f"/api/v1/servicedesk/requests/{other.pk}/files", {"material": "m2", "file": pdf()})
    assert anonymous.status_code == 401
    assert Client().get(f"/api/v1/servicedesk{files}/{stored.pk}").status_code == 401
    assert RequestFile.objects.count() == 1


def test_a_large_upload_with_an_idempotency_key_is_stored_once(desk: dict[str, Any], media: Path) -> None:
    request = returned(desk)
    api = Api(desk["accountant"])
    large = PDF + b"0" * (3 * 1024 * 1024)  # past what a request body is held in memory: parsed from the stream
    url = f"/api/v1/servicedesk/requests/{request.pk}/files"
    headers = {**api.headers, "Idempotency-Key": "letter-1"}
    first = api.client.post(url, {"material": "m2", "file": pdf(content=large)}, headers=headers)
    assert first.status_code == 201, first.content
    again = api.client.post(url, {"material": "m2", "file": pdf(content=large)}, headers=headers)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = api.client.post(url, {"material": "m2", "file": pdf(content=large + b"1")}, headers=headers)
    assert other.status_code == 422  # the same key for another file
    assert RequestFile.objects.get().size == len(large)
    assert len(stored_files(media)) == 1
