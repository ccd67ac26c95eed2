"""意见箱 pages: the list, the form (named → the suggestion's page; anonymous → the code on the answer), the office's
actions, the rights (a stranger or a colleague gets 404 for what is not theirs), the yearly list and its Excel."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.urls import reverse

from sanfu.suggestions import services
from sanfu.suggestions.models import Status, Suggestion
from tests.suggestions.conftest import submit


def test_the_list_shows_public_replies_and_my_own(sg: dict[str, Any], login: Any) -> None:
    mine = submit(sg["accountant"], title="我的建议").suggestion
    public = submit(sg["deputy"], title="公开的建议").suggestion
    services.suggestion_reply(actor=sg["clerk"], suggestion_id=public.pk, reply="答复", public=True)
    page = login(sg["accountant"]).get(reverse("suggestions:list")).content.decode()
    assert "我的建议" in page
    assert "公开的建议" in page
    assert reverse("suggestions:detail", args=[mine.pk]) in page
    assert "suggestion-manage" not in page
    assert "suggestion-manage" in login(sg["clerk"]).get(reverse("suggestions:list")).content.decode()


def test_a_named_suggestion_goes_to_its_page(sg: dict[str, Any], login: Any) -> None:
    client = login(sg["accountant"])
    response = client.post(
        reverse("suggestions:new") + "?campaign=7",
        {"title": "会议室预约", "body": "建议会议室可在线预约。", "category": "management", "campaign": "7"},
    )
    s = Suggestion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("suggestions:detail", args=[s.pk])
    assert (s.author_id, s.campaign_id) == (sg["accountant"].pk, 7)


def test_the_campaign_is_carried_by_the_form(sg: dict[str, Any], login: Any) -> None:
    page = login(sg["accountant"]).get(reverse("suggestions:new"), {"campaign": "41"}).content.decode()
    assert 'name="campaign" value="41"' in page


def test_bad_input_on_the_form_changes_nothing(sg: dict[str, Any], login: Any) -> None:
    response = login(sg["accountant"]).post(
        reverse("suggestions:new"), {"title": "", "body": "x", "category": "welfare", "anonymous": "on"}
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_rights_another_staff_member_and_a_stranger_get_404(sg: dict[str, Any], login: Any) -> None:
    s = submit(sg["accountant"]).suggestion
    for person in ("deputy", "stranger", "finance_head"):
        assert login(sg[person]).get(reverse("suggestions:detail", args=[s.pk])).status_code == 404
    assert login(sg["accountant"]).get(reverse("suggestions:manage")).status_code == 404
    assert login(sg["stranger"]).post(reverse("suggestions:reply", args=[s.pk]), {"reply": "x"}).status_code == 404
    assert login(sg["clerk"]).get(reverse("suggestions:detail", args=[s.pk])).status_code == 200
    assert Suggestion.objects.get(pk=s.pk).reply == ""


def test_the_office_assigns_replies_and_decides_through_the_page(sg: dict[str, Any], login: Any) -> None:
    s = submit(sg["accountant"], anonymous=True).suggestion
    clerk = login(sg["clerk"])
    assert "匿名" in clerk.get(reverse("suggestions:manage")).content.decode()
    clerk.post(reverse("suggestions:assign", args=[s.pk]), {"department": sg["finance"].pk})
    head = login(sg["finance_head"])
    assert head.get(reverse("suggestions:detail", args=[s.pk])).status_code == 200
    head.post(reverse("suggestions:reply", args=[s.pk]), {"reply": "财务部答复", "public": "on"})
    refused = clerk.post(reverse("suggestions:decide", args=[s.pk]), {"status": Status.ADOPTED}, follow=True)
    assert "请选择采纳部门" in refused.content.decode()
    clerk.post(
        reverse("suggestions:decide", args=[s.pk]),
        {"status": Status.ADOPTED, "adopting_department": sg["finance"].pk},
    )
    s.refresh_from_db()
    assert (s.department_id, s.reply, s.reply_public, s.status) == (
        sg["finance"].pk,
        "财务部答复",
        True,
        Status.ADOPTED,
    )
    assert s.adopting_department_id == sg["finance"].pk


def test_the_follow_page_gives_a_clear_message_for_a_wrong_code(sg: dict[str, Any], login: Any) -> None:
    made = submit(sg["accountant"], anonymous=True, title="匿名的建议")
    client = login(sg["accountant"])
    wrong = client.post(reverse("suggestions:follow"), {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}).content.decode()
    assert "查询码不正确" in wrong
    assert "匿名的建议" not in wrong
    right = client.post(reverse("suggestions:follow"), {"code": made.code}).content.decode()
    assert "匿名的建议" in right
    assert "尚未答复" in right


def test_the_yearly_list_and_its_excel(sg: dict[str, Any], login: Any) -> None:
    s = submit(sg["accountant"], title="节能改造").suggestion
    services.suggestion_decide(
        actor=sg["clerk"], suggestion_id=s.pk, status=Status.ADOPTED, adopting_department_id=sg["office"].pk
    )
    year = Suggestion.objects.get(pk=s.pk).decided_on.year  # type: ignore[union-attr]
    client = login(sg["deputy"])
    assert "节能改造" in client.get(reverse("suggestions:adopted"), {"year": year}).content.decode()
    assert "节能改造" not in client.get(reverse("suggestions:adopted"), {"year": year - 1}).content.decode()
    download = client.get(reverse("suggestions:adopted_xlsx"), {"year": year})
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[1][1] == "节能改造"
    assert rows[1][6] == "办公室"


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_cost_the_same_with_many_rows(sg: dict[str, Any], login: Any) -> None:
    def add(n: int) -> None:
        for i in range(n):
            s = submit(sg["accountant"] if i % 2 else sg["deputy"], anonymous=i % 3 == 0, title=f"建议{i}").suggestion
            services.suggestion_assign(actor=sg["clerk"], suggestion_id=s.pk, department_id=sg["finance"].pk)
            services.suggestion_reply(actor=sg["clerk"], suggestion_id=s.pk, reply="答复", public=True)

    add(2)
    clerk, employee = login(sg["clerk"]), login(sg["accountant"])
    pages = [(clerk, reverse("suggestions:manage")), (employee, reverse("suggestions:list"))]
    [_queries(c, u) for c, u in pages]  # the first visit fills the session's caches
    few = [_queries(c, u) for c, u in pages]
    add(12)
    assert [_queries(c, u) for c, u in pages] == few


def test_assigning_offers_no_department_by_chance(sg: dict[str, Any], login: Any) -> None:
    s = submit(sg["accountant"], anonymous=True).suggestion
    clerk = login(sg["clerk"])
    url = reverse("suggestions:detail", args=[s.pk])
    page = clerk.get(url).content.decode()
    assert '<option value="" selected>请选择答复部门</option>' in page
    refused = clerk.post(reverse("suggestions:assign", args=[s.pk]), {"department": ""}, follow=True)
    assert "已分办" not in refused.content.decode()
    s.refresh_from_db()
    assert s.department_id is None
    named = submit(sg["accountant"], title="报销单据电子化", concerns_id=sg["finance"].pk).suggestion
    page = clerk.get(reverse("suggestions:detail", args=[named.pk])).content.decode()
    assert f'<option value="{sg["finance"].pk}" selected>' in page
