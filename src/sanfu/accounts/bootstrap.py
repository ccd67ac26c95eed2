"""Built-in roles and the three administrator accounts, created idempotently."""

from __future__ import annotations

from django.utils import timezone

from sanfu.accounts.models import Role, RoleGrant, User
from sanfu.accounts.permissions import AdminKind, DataScope, Perm
from sanfu.accounts.services import generate_temporary_password
from sanfu.core.audit import audit_record

ADMIN_ROLES = {
    AdminKind.SYSTEM: ("sysadmin", "系统管理员", "管理账户和系统配置；不能授权、不能查阅审计记录"),
    AdminKind.SECURITY: ("secadmin", "安全管理员", "授予和收回角色；不能创建账户"),
    AdminKind.AUDIT: ("auditadmin", "审计管理员", "只能查阅审计记录"),
}

BUSINESS_ROLES = [
    # code, name, permissions, data scope
    ("hr-officer", "人事专员", [Perm.VIEW_STAFF_DETAIL], DataScope.UNIT),
    ("dept-head", "部门负责人", [Perm.VIEW_STAFF_DETAIL, Perm.DRAFT_DOCUMENTS], DataScope.DEPARTMENT_TREE),
    ("clerk", "办公室文秘", [Perm.VIEW_STAFF_DETAIL, Perm.DRAFT_DOCUMENTS], DataScope.DEPARTMENT),
    (
        "leader",
        "公司领导",
        [Perm.VIEW_STAFF_DETAIL, Perm.READ_ARCHIVE_RESTRICTED, Perm.SIGN_DOCUMENTS],
        DataScope.ALL,
    ),
    ("process-admin", "流程管理员", [Perm.MANAGE_PROCESSES], DataScope.UNIT),
]


def ensure_admin_roles() -> dict[str, Role]:
    roles: dict[str, Role] = {}
    for kind, (code, name, description) in ADMIN_ROLES.items():
        role, _ = Role.objects.update_or_create(
            admin_kind=kind,
            defaults={
                "code": code,
                "name": name,
                "description": description,
                "permissions": [],
                "data_scope": DataScope.ALL,
            },
        )
        roles[kind] = role
    for code, name, perms, scope in BUSINESS_ROLES:
        Role.objects.update_or_create(
            code=code, defaults={"name": name, "permissions": list(perms), "data_scope": scope}
        )
    return roles


def ensure_admins(*, prefix: str = "", password: str | None = None, must_change: bool = True) -> list[tuple[str, str]]:
    """Create any missing administrator account; returns (username, password) for each one created."""
    roles = ensure_admin_roles()
    created = []
    for kind, (code, name, _desc) in ADMIN_ROLES.items():
        if RoleGrant.objects.filter(admin_kind=kind).exists():
            continue
        username = f"{prefix}{code}"
        raw = password or generate_temporary_password()
        user, made = User.objects.get_or_create(username=username, defaults={"full_name": name})
        if made or not user.has_usable_password():
            user.set_password(raw)
            user.password_changed_at = timezone.now()
            user.must_change_password = must_change
            user.save()
        RoleGrant.objects.create(user=user, role=roles[kind], admin_kind=kind)
        audit_record(
            action="role.grant",
            actor_name="sanfu createadmins",
            target=f"user:{user.pk}",
            detail={"role": code, "username": username},
        )
        created.append((username, raw))
    return created
