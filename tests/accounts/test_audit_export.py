"""审计记录导出: the audit page's records as filtered there, as Excel, for the audit administrator only; the
export is itself audited; text Excel would run as a formula stays text; past the limit it is refused."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sanfu.accounts import audit_export
from sanfu.accounts.models import User
from sanfu.core import xlsx
from sanfu.core.audit import audit_record
from sanfu.core.errors import PermissionDeniedError
from sanfu.core.models import AuditRecord

HEADER = ["序号", "时间", "操作人", "事件", "结果", "对象", "地址"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(admins: dict[str, User]) -> dict[str, User]:
    audit_record(action="auth.login", actor=admins["outsider"], ip_address="10.0.0.1")
    audit_record(action="auth.login", actor_name="=cmd|' /C calc'!A0", outcome="failure", ip_address="10.0.0.2")
    audit_record(action="account.create", actor=admins["sysadmin"], target=f"user:{admins['outsider'].pk}")
    return admins


def _export(client: Client, **filters: str) -> list[dict[str, Any]]:
    response = client.get(reverse("accounts:audit_export"), filters)
    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def _page_seqs(client: Client, **filters: str) -> list[int]:
    response = client.get(reverse("accounts:audit"), filters)
    assert response.status_code == 200
    return [record.seq for record, _target in response.context["rows"]]


def test_the_export_holds_the_pages_rows_as_filtered(trail: dict[str, User], login: Any) -> None:
    client = login(trail["auditadmin"])
    for filters in ({}, {"action": "auth."}, {"who": "outsider"}, {"action": "account", "who": "sys"}):
        page = _page_seqs(client, **filters)  # read first: the export adds its own record
        assert [r["序号"] for r in _export(client, **filters)] == page, filters
    [row] = _export(client, action="account.create")
    assert row["对象"] == f"outsider（{trail['outsider'].username}）"  # named as the page names a person
    assert row["操作人"] == "sysadmin"
    assert row["结果"] == "成功"
    failed = _export(client, action="auth.login", who="cmd")
    assert [r["结果"] for r in failed] == ["失败"]
    assert failed[0]["地址"] == "10.0.0.2"


def test_only_the_audit_administrator_exports(trail: dict[str, User], login: Any) -> None:
    for name in ("sysadmin", "secadmin", "outsider"):
        assert login(trail[name]).get(reverse("accounts:audit_export")).status_code == 404, name
        with pytest.raises(PermissionDeniedError):
            audit_export.audit_workbook(actor=trail[name])
    assert not AuditRecord.objects.filter(action="audit.export").exists()


def test_the_export_is_audited(trail: dict[str, User], login: Any) -> None:
    client = login(trail["auditadmin"])
    listed = AuditRecord.objects.filter(action__startswith="auth.").count()
    _export(client, action="auth.")
    record = AuditRecord.objects.get(action="audit.export")
    assert record.actor_id == trail["auditadmin"].pk
    assert record.detail["action"] == "auth."
    assert record.detail["rows"] == listed
    assert record.detail["last_seq"] < record.seq


def test_formula_like_text_stays_text(trail: dict[str, User]) -> None:
    content = audit_export.audit_workbook(actor=trail["auditadmin"], who="cmd")
    sheet = load_workbook(io.BytesIO(content)).active
    [cell] = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == "=cmd|' /C calc'!A0"]
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_past_the_limit_the_export_is_refused_with_the_filters_kept(
    trail: dict[str, User], login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "ROW_LIMIT", 1)
    response = login(trail["auditadmin"]).get(reverse("accounts:audit_export"), {"action": "auth."})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:audit')}?action=auth.&who="
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "上限 1 条" in message
    assert not AuditRecord.objects.filter(action="audit.export").exists()


def test_the_audit_page_offers_the_export_with_its_filters(trail: dict[str, User], login: Any) -> None:
    html = login(trail["auditadmin"]).get(reverse("accounts:audit"), {"action": "auth.", "page": "1"}).content
    assert f'id="audit-export" href="{reverse("accounts:audit_export")}?action=auth."' in html.decode()
