"""The path ahead is shown before submitting: live on the start page for the form as filled, and by
condition in the one-time notice of a graded matter."""

from __future__ import annotations

from tests.approvals.test_catalogue_views import _post

PATH = "/approvals/matters/expense/path/"


def _steps(page: str) -> list[str]:
    import re

    return re.findall(r'<span class="fw-semibold">([^<]+)</span>', page)


def test_the_path_follows_the_amount_and_the_urgency_as_the_form_is_filled(demo, login):
    client = login(demo["people"]["clerk"])
    small = client.post(PATH, _post("300")).content.decode()
    large = client.post(PATH, _post("8000")).content.decode()
    urgent = client.post(PATH, {**_post("8000"), "urgency": "特急"}).content.decode()
    assert _steps(small) == ["审核", "复核"]
    assert _steps(large) == ["审核", "财务审核", "分管领导审批"]
    assert _steps(urgent) == ["审核备案（绿色通道）", "分管领导审批"]
    assert "备案</span>" in urgent
    finance = demo["people"]["finance_head"]
    assert (finance.full_name or finance.username) in large  # the people at each step are named


def test_the_start_page_shows_the_path_and_updates_it_live(demo, login):
    page = login(demo["people"]["clerk"]).get("/approvals/matters/expense/start/").content.decode()
    assert "办理流程（按当前填写）" in page
    assert f'hx-post="{PATH}"' in page
    assert _steps(page) == ["审核", "复核"]  # nothing filled in: the routine path


def test_the_path_preview_is_for_people_who_may_start_the_matter(demo, login):
    matter = demo["matters"]["expense"]
    matter.start_roles = ["no-such-role"]
    matter.save()
    assert login(demo["people"]["clerk"]).post(PATH, _post("300")).status_code == 404


def test_the_notice_of_a_graded_matter_lists_the_path_for_each_condition(demo, login):
    page = login(demo["people"]["staff"]).get("/approvals/matters/expense/notice/").content.decode()
    assert "视填写内容" in page
    assert "紧急程度为特急" in page
    assert "超过 5000" in page
    assert "不超过 5000" in page
    assert "提交 → 审核 → 财务审核 → 分管领导审批 → 办结" in page  # the large-amount path
    assert "提交 → 审核 → 复核 → 办结" in page
    assert "工作日数超过 3" in login(demo["people"]["staff"]).get("/approvals/matters/leave/notice/").content.decode()


def test_the_notice_of_a_matter_without_conditions_shows_its_one_path(demo, login):
    page = login(demo["people"]["staff"]).get("/approvals/matters/seal/notice/").content.decode()
    assert "视填写内容" not in page
    assert "提交 → " in page


def test_the_green_channel_hint_shows_only_on_matters_that_have_one(demo, login):
    client = login(demo["people"]["clerk"])
    hint = "特急事项走绿色通道"
    assert hint in client.get("/approvals/matters/expense/start/").content.decode()
    assert hint not in client.get("/approvals/matters/seal/start/").content.decode()
