"""Files chosen on the start page are never lost: a draft keeps them, and a refused submission keeps the good
ones, so the person re-picks only the rejected files."""

from __future__ import annotations

import re

from sanfu.approvals.models import Attachment, Draft, Request
from tests.approvals.conftest import PDF, pdf, png_named
from tests.approvals.test_catalogue_views import _post

START = "/approvals/matters/expense/start/"


def _token(page: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', page)
    assert match, "the start form carries its token"
    return match.group(1)


def _both() -> dict[str, object]:
    return {"material-invoice": pdf(), "material-list": pdf("清单.pdf")}


def _kept_ids(page: str) -> list[int]:
    return [int(v) for v in re.findall(r'name="remove_file" value="(\d+)"', page)]


def test_saving_a_draft_keeps_its_files_lists_them_and_submitting_carries_them_into_the_request(demo, login):
    client = login(demo["people"]["clerk"])
    token = _token(client.get(START).content.decode())
    response = client.post(
        START,
        {**_post(), "action": "draft", "form_token": token, **_both()},
    )
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert sorted(draft.attachments.values_list("name", flat=True)) == ["发票.pdf", "清单.pdf"]
    page = client.get(response["Location"]).content.decode()
    assert "发票.pdf" in page
    assert "清单.pdf" in page
    assert len(_kept_ids(page)) == 2  # each listed with a remove option

    response = client.post(f"{START}?draft={draft.pk}", {**_post(), "form_token": _token(page)})
    assert response.status_code == 302, response.content.decode()[:2000]
    request = Request.objects.get()
    assert sorted(request.attachments.values_list("name", flat=True)) == ["发票.pdf", "清单.pdf"]
    assert request.attachments.get(name="发票.pdf").file.read() == PDF
    assert not Draft.objects.exists()


def test_a_file_removed_from_a_draft_is_gone_and_is_missed_on_submission(demo, login):
    client = login(demo["people"]["clerk"])
    token = _token(client.get(START).content.decode())
    response = client.post(
        START,
        {**_post(), "action": "draft", "form_token": token, **_both()},
    )
    draft = Draft.objects.get()
    invoice = draft.attachments.get(material="invoice")
    page = client.get(response["Location"]).content.decode()
    client.post(
        f"{START}?draft={draft.pk}",
        {**_post(), "action": "draft", "form_token": _token(page), "remove_file": [invoice.pk]},
    )
    assert list(draft.attachments.values_list("material", flat=True)) == ["list"]
    page = client.get(f"{START}?draft={draft.pk}").content.decode()
    refused = client.post(f"{START}?draft={draft.pk}", {**_post(), "form_token": _token(page)})
    assert refused.status_code == 422
    assert "缺少材料“发票”" in refused.content.decode()
    assert "缺少材料“费用清单”" not in refused.content.decode()


def test_a_refused_submission_keeps_the_good_files_and_asks_only_for_the_rejected_one(demo, login):
    client = login(demo["people"]["clerk"])
    token = _token(client.get(START).content.decode())
    refused = client.post(
        START,
        {
            **_post(),
            "title": "",  # a form problem as well
            "form_token": token,
            "material-invoice": pdf(),
            "material-list": png_named("清单.pdf"),  # a PNG calling itself PDF: rejected
        },
    )
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "格式不符" in page
    assert _token(page) == token
    kept = Attachment.objects.get()
    assert (kept.name, kept.material, kept.request_id) == ("发票.pdf", "invoice", None)
    assert _kept_ids(page) == [kept.pk]  # shown as already attached
    assert Request.objects.count() == 0

    done = client.post(START, {**_post(), "form_token": token, "material-list": pdf("清单.pdf")})
    assert done.status_code == 302, done.content.decode()[:3000]
    request = Request.objects.get()
    assert sorted(request.attachments.values_list("name", flat=True)) == ["发票.pdf", "清单.pdf"]
    assert Attachment.objects.filter(request__isnull=True).count() == 0


def test_kept_files_belong_to_their_uploader_only(demo, login):
    clerk = login(demo["people"]["clerk"])
    token = _token(clerk.get(START).content.decode())
    clerk.post(START, {**_post(), "title": "", "form_token": token, "material-invoice": pdf()})
    assert Attachment.objects.count() == 1
    other = login(demo["people"]["staff"])
    page = other.post(START, {**_post(), "title": "", "form_token": token}).content.decode()
    assert "发票.pdf" not in page
    assert "缺少材料“发票”" in page


def test_an_attachment_field_keeps_its_file_across_a_refused_submission(demo, login):
    matter = demo["matters"]["expense"]
    matter.form_schema = {
        **matter.form_schema,
        "fields": [*matter.form_schema["fields"], {"name": "scan", "type": "attachment", "label": "扫描件"}],
    }
    matter.save()
    client = login(demo["people"]["clerk"])
    token = _token(client.get(START).content.decode())
    refused = client.post(START, {**_post(), "title": "", "form_token": token, "scan": pdf("扫描.pdf")})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "扫描.pdf" in page
    assert len(_kept_ids(page)) == 1
    done = client.post(
        START,
        {**_post(), "form_token": token, "material-invoice": pdf(), "material-list": pdf("清单.pdf")},
    )
    assert done.status_code == 302, done.content.decode()[:3000]
    request = Request.objects.get()
    assert request.attachments.filter(material="field:scan", name="扫描.pdf").exists()
    assert [f["name"] for f in request.instance.state["form"]["scan"]] == ["扫描.pdf"]
