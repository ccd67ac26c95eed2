"""Smart-form rendering: view-models, the Bootstrap partials, and POST → data."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.datastructures import MultiValueDict

from sanfu.approvals.formrender import form_from_post, non_field_errors, render_context
from sanfu.approvals.formschema import parse_schema, validate

SCHEMA = parse_schema(
    {
        "version": 1,
        "fields": [
            {"name": "title", "type": "text", "label": "事由", "required": True, "help": "简要说明"},
            {"name": "amount", "type": "money", "label": "金额", "min": 0},
            {"name": "kind", "type": "select", "label": "类别",
             "options": [{"value": "trip", "label": "差旅"}, {"value": "buy", "label": "采购"}]},
            {"name": "vendor", "type": "text", "label": "供应商", "visible_if": "form.kind == 'buy'"},
            {"name": "leave", "type": "date_range", "label": "日期", "count_working_days": True},
            {"name": "who", "type": "person", "label": "经办人"},
            {"name": "cc", "type": "person", "label": "抄送", "multiple": True},
            {"name": "items", "type": "table", "label": "明细", "sum": ["qty", "price"],
             "columns": [{"name": "item", "type": "text", "label": "品名"},
                         {"name": "qty", "type": "number", "label": "数量", "integer": True},
                         {"name": "price", "type": "money", "label": "单价"}]},
            {"name": "files", "type": "attachment", "label": "附件", "accept": ["pdf", "docx"], "multiple": True},
            {"name": "sig", "type": "signature", "label": "签名"},
            {"name": "total", "type": "computed", "label": "合计", "format": "money", "expr": "form.amount * 2.0"},
        ],
        "validations": [{"expr": "form.amount < 1000000.0", "message": "金额过大，请走专项审批"}],
    }
)  # fmt: skip
PEOPLE = [(1, "张三"), (2, "李四")]


def render(data: dict[str, Any], **kwargs: Any) -> str:
    errors = kwargs.pop("errors", None)
    preview_url = kwargs.pop("preview_url", None)
    fields = render_context(SCHEMA, data, errors, kwargs.pop("access", None), people_choices=PEOPLE, **kwargs)
    return render_to_string(
        "approvals/partials/_form.html",
        {"fields": fields, "preview_url": preview_url, "non_field_errors": non_field_errors(errors or [])},
    )


def test_form_from_post_builds_data_and_files() -> None:
    post = QueryDict(mutable=True)
    post.update({"title": "出差", "amount": "1,200.5", "kind": "trip", "leave-start": "2024-06-03",
                 "leave-end": "2024-06-07", "who": "1", "total": "999", "sig": ""})  # fmt: skip
    post.setlist("cc", ["1", "2"])
    post.update({"items-0-item": "纸", "items-0-qty": "2", "items-0-price": "3", "items-5-item": "笔",
                 "items-5-qty": "1", "items-5-price": "1.5", "items-x-qty": "9"})  # fmt: skip
    upload = SimpleUploadedFile("合同.pdf", b"%PDF-1.7 rest of file", content_type="application/pdf")
    data, files = form_from_post(SCHEMA, post, MultiValueDict({"files": [upload]}))
    assert data["leave"] == {"start": "2024-06-03", "end": "2024-06-07"}
    assert data["cc"] == ["1", "2"]
    assert data["items"] == [{"item": "纸", "qty": "2", "price": "3"}, {"item": "笔", "qty": "1", "price": "1.5"}]
    assert "total" not in data
    assert files["files"][0].head.startswith(b"%PDF")
    assert files["files"][0].ref is upload
    assert upload.read(4) == b"%PDF"  # rewound for whoever stores it
    result = validate(SCHEMA, data, files=files)
    assert result.ok, result.errors
    assert result.cleaned["items_sum_price"] == "4.50"
    assert result.cleaned["total"] == "2401.00"
    assert result.cleaned["leave_working_days"] == 5


def test_form_partial_renders_fields_errors_and_capitals() -> None:
    data = {"title": "", "amount": "12345.67", "kind": "trip", "cc": ["2"],
            "items": [{"item": "纸", "qty": "x", "price": "2"}]}  # fmt: skip
    result = validate(SCHEMA, data)
    html = render(data, errors=result.errors, preview_url="/approvals/preview/")
    assert "事由" in html
    assert 'class="text-danger"' in html  # required star
    assert "简要说明" in html
    assert "“事由”为必填项" in html
    assert "is-invalid" in html
    assert "壹万贰仟叁佰肆拾伍元陆角柒分" in html
    assert 'hx-post="/approvals/preview/"' in html
    assert "hx-trigger=" in html
    assert 'hx-target="this"' in html
    assert "第1行“数量”必须是数字" in html
    assert 'name="items-0-qty"' in html
    assert 'name="items-__i__-qty"' in html  # the blank row Alpine clones
    assert "添加一行" in html
    assert 'name="leave-start"' in html
    assert 'name="leave-end"' in html
    assert 'accept=".pdf,.docx"' in html
    assert 'type="file"' in html
    assert "<canvas" in html
    assert 'name="sig"' in html
    assert '<option value="2" selected>李四</option>' in html
    assert 'name="vendor"' not in html  # visible_if false
    assert 'name="total"' not in html  # computed: shown, never posted
    assert "24691.34" in html.replace(",", "")


def test_visible_if_reevaluated_on_rerender() -> None:
    assert 'name="vendor"' in render({"kind": "buy"})
    assert "hx-post" not in render({"kind": "buy"})  # no preview_url, no round trip


def test_non_field_errors_rendered() -> None:
    data = {"title": "x", "amount": "2000000"}
    html = render(data, errors=validate(SCHEMA, data).errors)
    assert "金额过大，请走专项审批" in html


def test_access_read_and_hidden_in_rendering() -> None:
    stored = {"title": "原事由", "amount": "100.00", "kind": "buy", "vendor": "某公司"}
    access = {"title": "read", "amount": "read", "kind": "read", "vendor": "hidden", "sig": "write"}
    fields = render_context(SCHEMA, {"title": "posted"}, None, access, previous=stored)
    by_name = {f.name: f for f in fields}
    assert "vendor" not in by_name
    assert by_name["title"].readonly
    assert by_name["title"].display == "原事由"
    assert by_name["kind"].display == "采购"
    assert by_name["amount"].capitals == "壹佰元整"
    assert not by_name["sig"].readonly
    html = render_to_string("approvals/partials/_form.html", {"fields": fields})
    assert 'name="title"' not in html
    assert 'value="原事由" readonly' in html
    assert "某公司" not in html


def test_display_partial() -> None:
    data = {"title": "采购办公用品", "amount": "1005.01", "kind": "buy", "vendor": "某公司", "who": 1,
            "leave": {"start": "2024-06-03", "end": "2024-06-04"},
            "items": [{"item": "纸", "qty": "2", "price": "3.5"}],
            "files": [{"name": "报价单.pdf", "url": "/f/1"}]}  # fmt: skip
    cleaned = validate(SCHEMA, data, previous=data).cleaned
    fields = render_context(SCHEMA, cleaned, None, dict.fromkeys(SCHEMA.names, "read"), people_choices=PEOPLE)
    html = render_to_string("approvals/partials/_form_display.html", {"fields": fields})
    for fragment in (
        "采购办公用品",
        "1,005.01",
        "壹仟零伍元零壹分",
        "采购",
        "某公司",
        "张三",
        "2024-06-03 至 2024-06-04",
        "2 个工作日",
        "纸",
        "3.50",
        "报价单.pdf",
        'href="/f/1"',
        "合计",
        "未签名",
        "2,010.02",
    ):
        assert fragment in html, fragment
    assert "<input" not in html
