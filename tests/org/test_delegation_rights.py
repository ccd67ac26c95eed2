"""Delegation cannot be abused (security issue, hole 3): no administrator delegates for someone else, a
secretary never names himself, administrators are never deputies, and neither delegations nor secretaries
are editable in Django admin; secretaries are recorded by the leader himself."""

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.permissions import AdminKind
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.org import selectors, services
from sanfu.org.models import Delegation, Secretary
from tests.conftest import grant, make_user


def _window():
    start = timezone.now()
    return start, start + timedelta(days=2)


def test_the_system_administrator_cannot_route_a_leaders_sign_off_to_himself(org):
    sysadmin = make_user("sysadmin")
    grant(sysadmin, ensure_admin_roles()[AdminKind.SYSTEM])
    start, end = _window()
    with pytest.raises(PermissionDeniedError):
        services.delegation_create(actor=sysadmin, principal=org["gm"], delegate=sysadmin, starts_at=start, ends_at=end)
    with pytest.raises(PermissionDeniedError):
        services.delegation_create(
            actor=sysadmin, principal=org["gm"], delegate=org["clerk"], starts_at=start, ends_at=end
        )
    assert not Delegation.objects.exists()
    assert AuditRecord.objects.filter(action="delegation.create", outcome="denied").count() == 2


def test_a_secretary_may_not_name_himself_the_deputy(org):
    Secretary.objects.create(secretary=org["clerk"], leader=org["gm"])
    start, end = _window()
    with pytest.raises(ApplicationError, match="委托给自己"):
        services.delegation_create(
            actor=org["clerk"], principal=org["gm"], delegate=org["clerk"], starts_at=start, ends_at=end
        )
    assert not Delegation.objects.exists()


def test_an_administrator_account_is_never_a_deputy(org):
    auditor = make_user("auditadmin")
    grant(auditor, ensure_admin_roles()[AdminKind.AUDIT])
    start, end = _window()
    with pytest.raises(ApplicationError, match="管理员账户"):
        services.delegation_create(actor=org["gm"], principal=org["gm"], delegate=auditor, starts_at=start, ends_at=end)


def test_only_the_leader_records_his_secretary_and_it_is_audited(org):
    row = services.secretary_assign(actor=org["gm"], secretary=org["clerk"])
    assert row.leader == org["gm"]
    assert AuditRecord.objects.filter(action="secretary.assign", actor_id=org["gm"].pk).exists()
    with pytest.raises(ApplicationError, match="已是您的秘书"):
        services.secretary_assign(actor=org["gm"], secretary=org["clerk"])
    # The secretary now acts within the rules: a delegation for the leader to someone else.
    start, end = _window()
    services.delegation_create(
        actor=org["clerk"], principal=org["gm"], delegate=org["deputy"], starts_at=start, ends_at=end
    )
    assert selectors.active_delegate(org["gm"], at=timezone.now() + timedelta(minutes=1)) == org["deputy"]
    services.secretary_remove(actor=org["gm"], secretary_id=org["clerk"].pk)
    assert not Secretary.objects.exists()
    with pytest.raises(NotFoundError):
        services.secretary_remove(actor=org["gm"], secretary_id=org["clerk"].pk)


def test_an_administrator_cannot_be_recorded_as_a_secretary(org):
    sysadmin = make_user("sysadmin")
    grant(sysadmin, ensure_admin_roles()[AdminKind.SYSTEM])
    with pytest.raises(ApplicationError, match="普通账户"):
        services.secretary_assign(actor=org["gm"], secretary=sysadmin)


@pytest.mark.parametrize("model", ["delegation", "secretary"])
def test_neither_is_in_django_admin(model):
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:org_{model}_changelist")
