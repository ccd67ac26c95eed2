"""The 公文 rights (security issue, holes 4 and 6): ``documents.sign`` for the built-in 公司领导 role and
``documents.draft`` for 办公室文秘 and 部门负责人, added to roles already stored (``sanfu demo`` and
``createadmins`` give new installations the same through ``accounts.bootstrap``)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

RIGHTS = {"leader": ["documents.sign"], "clerk": ["documents.draft"], "dept-head": ["documents.draft"]}


def grant_rights(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=list(RIGHTS), admin_kind__isnull=True):
        wanted = [p for p in RIGHTS[role.code] if p not in role.permissions]
        if wanted:
            role.permissions = [*role.permissions, *wanted]
            role.save(update_fields=["permissions"])


def revoke_rights(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=list(RIGHTS), admin_kind__isnull=True):
        kept = [p for p in role.permissions if p not in RIGHTS[role.code]]
        if kept != role.permissions:
            role.permissions = kept
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [migrations.RunPython(grant_rights, revoke_rights)]
